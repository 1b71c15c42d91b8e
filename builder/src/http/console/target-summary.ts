// The targets overview of the console (SPEC §8): per configured target its newest build,
// its last successful one, and the trend of its recent ended builds (duration and outcome),
// from one newest-first page of builds. Pure.
import type { BuildRecord, BuildStatus } from "../../../../common/build-record.js";
import { isTerminalStatus } from "../../../../common/build-record.js";
import type { TargetView } from "../schemas.js";

export interface TrendPoint {
  id: string;
  status: BuildStatus;
  /** Seconds, for the chart's axis. */
  seconds: number;
}

export interface TargetSummary {
  target: TargetView;
  last?: BuildRecord;
  lastSucceeded?: BuildRecord;
  /** Oldest first, at most TREND_POINTS ended builds. */
  trend: TrendPoint[];
  cacheBytes?: number;
}

export const TREND_POINTS = 20;

export function summarizeTargets(
  targets: readonly TargetView[],
  newestFirst: readonly BuildRecord[],
  cacheBytes: Record<string, number> | undefined,
): TargetSummary[] {
  return targets.map((target) => {
    const builds = newestFirst.filter((b) => b.target === target.name);
    const ended = builds.filter(
      (b) => isTerminalStatus(b.status) && b.durationMs !== null && b.durationMs !== undefined,
    );
    const bytes = cacheBytes?.[target.name];
    const last = builds[0];
    const lastSucceeded = builds.find((b) => b.status === "succeeded");
    return {
      target,
      ...(last ? { last } : {}),
      ...(lastSucceeded ? { lastSucceeded } : {}),
      trend: ended
        .slice(0, TREND_POINTS)
        .reverse()
        .map((b) => ({ id: b.id, status: b.status, seconds: Math.round((b.durationMs ?? 0) / 100) / 10 })),
      ...(bytes !== undefined ? { cacheBytes: bytes } : {}),
    };
  });
}

/** "18 ok, 2 failed · median 1m12s" for a trend, or undefined when it is empty. */
export function describeTrend(
  trend: readonly TrendPoint[],
): { ok: number; bad: number; medianMs: number } | undefined {
  if (!trend.length) return undefined;
  const sorted = trend.map((p) => p.seconds).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const ok = trend.filter((p) => p.status === "succeeded").length;
  return { ok, bad: trend.length - ok, medianMs: median * 1000 };
}
