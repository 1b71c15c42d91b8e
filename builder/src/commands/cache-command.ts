// `comfyume-builder cache ls` (what the cache holds, changing nothing) and
// `cache prune [--max-bytes N]` (evict least recently used target caches until the total
// is under N, default BUILDER_CACHE_MAX_BYTES).
import path from "node:path";
import { EXIT, type ExitCode } from "../../../common/exit-codes.js";
import { TargetCacheStore, type CacheUsage } from "../cache/target-cache.js";
import type { BuilderEnv } from "../config/env.js";
import { formatBytes } from "../guards/disk.js";
import { buildJobPaths } from "../jobs/job-paths.js";
import { Coordination } from "../jobs/leases.js";

export async function cachePruneCommand(env: BuilderEnv, maxBytes?: number): Promise<ExitCode> {
  // A build running on any replica holds its target: its exports are not leftovers.
  const coord = new Coordination(buildJobPaths(path.resolve(env.BUILDER_DATA_DIR)));
  const store = new TargetCacheStore(path.resolve(env.BUILDER_CACHE_DIR), {
    isTargetBusy: (target) => coord.isTargetBusy(target, new Date()),
  });
  const budget = maxBytes ?? env.BUILDER_CACHE_MAX_BYTES;
  const result = await store.prune(budget);
  for (const target of result.evicted) process.stdout.write(`evicted the cache of ${target}\n`);
  process.stdout.write(
    `cache: ${formatBytes(result.totalBytes)} in ${store.root} (budget ${formatBytes(budget)}), freed ${formatBytes(result.freedBytes)}\n`,
  );
  return EXIT.OK;
}

export async function cacheLsCommand(env: BuilderEnv, opts: { json: boolean }): Promise<ExitCode> {
  const store = new TargetCacheStore(path.resolve(env.BUILDER_CACHE_DIR));
  const usage = await store.usage();
  const view = { root: store.root, budgetBytes: env.BUILDER_CACHE_MAX_BYTES };
  process.stdout.write(
    opts.json ? `${JSON.stringify(buildCacheReport(usage, view), null, 2)}\n` : renderCacheUsage(usage, view),
  );
  return EXIT.OK;
}

interface CacheView {
  root: string;
  budgetBytes: number;
}

/** `cache ls --json`: targets largest first, times as ISO strings. Pure. */
export function buildCacheReport(usage: CacheUsage, view: CacheView) {
  const targets = [...usage.targets].sort((a, b) => b.bytes - a.bytes || (a.target < b.target ? -1 : 1));
  // The budget's own count: it includes running exports and crash leftovers until swept.
  const listed = targets.reduce((n, t) => n + t.bytes, 0) + usage.quarantinedBytes;
  return {
    root: view.root,
    budgetBytes: view.budgetBytes,
    totalBytes: usage.totalBytes,
    quarantinedBytes: usage.quarantinedBytes,
    inFlightBytes: Math.max(0, usage.totalBytes - listed),
    targets: targets.map((t) => ({
      target: t.target,
      bytes: t.bytes,
      lastUsedAt: t.lastUsedMs === null ? null : new Date(t.lastUsedMs).toISOString(),
    })),
  };
}

/** The table `cache ls` prints: one row per target, then the total against the budget. Pure. */
export function renderCacheUsage(usage: CacheUsage, view: CacheView, now = Date.now()): string {
  const report = buildCacheReport(usage, view);
  const rows = report.targets.map((t) => [
    t.target,
    formatBytes(t.bytes),
    t.lastUsedAt === null
      ? "never"
      : `${t.lastUsedAt.replace(/\.\d+Z$/, "Z")} (${describeAge(now - Date.parse(t.lastUsedAt))})`,
  ]);
  const header = ["TARGET", "SIZE", "LAST USED"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const table = rows.length ? [line(header), ...rows.map(line)].join("\n") + "\n" : "no target caches\n";
  const percent =
    view.budgetBytes > 0 ? ` (${Math.round((report.totalBytes / view.budgetBytes) * 100)}%)` : "";
  const quarantined = usage.quarantinedBytes
    ? `, of which ${formatBytes(usage.quarantinedBytes)} quarantined (unreadable caches kept for inspection)`
    : "";
  const inFlight = report.inFlightBytes
    ? `, ${formatBytes(report.inFlightBytes)} in running exports or crash leftovers`
    : "";
  return `${table}total ${formatBytes(report.totalBytes)} of the ${formatBytes(view.budgetBytes)} budget${percent} in ${view.root}${quarantined}${inFlight}\n`;
}

function describeAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
