// Tables for `list` and `targets` (plain text, parseable with awk when piped).
import type { BuildRecord } from "../../../common/build-record.js";
import { describeRunningTime, formatDuration, formatTable, shortDigest } from "./format.js";

/** `now` is injectable for tests: a running build's DURATION is its time so far. */
export function buildListTable(builds: readonly BuildRecord[], now = Date.now()): string {
  if (builds.length === 0) return "no builds\n";
  return formatTable(
    ["ID", "TARGET", "STATUS", "TRIGGER", "CREATED", "DURATION", "DIGEST"],
    builds.map((b) => [
      b.id,
      b.target,
      b.status + (b.error && b.status === "failed" ? ` (${b.error.code})` : ""),
      b.trigger.kind,
      b.createdAt.replace(/\.\d+Z$/, "Z"),
      describeRunningTime(b, now) ?? formatDuration(b.durationMs ?? elapsed(b)),
      shortDigest(b.digest),
    ]),
  );
}

function elapsed(b: BuildRecord): number | null {
  return b.startedAt && b.finishedAt ? Date.parse(b.finishedAt) - Date.parse(b.startedAt) : null;
}

interface TargetView {
  name: string;
  image?: string;
  platforms?: string[];
  source?: string;
}

/** `GET /v1/targets` as rows; accepts `{targets: [...]}`, `{targets: {name: {...}}}`, or either bare. */
export function normalizeTargets(body: unknown): TargetView[] {
  const inner = (body as { targets?: unknown })?.targets ?? body;
  const entries: [string | undefined, unknown][] = Array.isArray(inner)
    ? inner.map((t) => [undefined, t])
    : typeof inner === "object" && inner !== null
      ? Object.entries(inner)
      : [];
  return entries.map(([key, t]) => {
    const o = (t ?? {}) as Record<string, unknown>;
    return {
      name: String(o.name ?? key ?? "?"),
      ...(typeof o.image === "string" ? { image: o.image } : {}),
      ...(Array.isArray(o.platforms) ? { platforms: o.platforms.map(String) } : {}),
      ...(typeof o.source === "string" ? { source: o.source } : {}),
    };
  });
}

export function buildTargetsTable(targets: readonly TargetView[]): string {
  if (targets.length === 0) return "no targets configured\n";
  return formatTable(
    ["NAME", "IMAGE", "PLATFORMS", "SOURCE"],
    targets.map((t) => [t.name, t.image ?? "-", t.platforms?.join(",") ?? "-", t.source ?? "-"]),
  );
}
