// Small pure formatters shared by the renderers.
import type { BuildRecord } from "../../../common/build-record.js";

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return m < 60
    ? `${m}m${String(s).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** A running timer in whole seconds, so it does not flicker: `7 s`, `4m05s`. */
export function formatElapsed(ms: number): string {
  const whole = Math.max(0, Math.floor(ms / 1000)) * 1000;
  return whole < 60_000 ? `${whole / 1000} s` : formatDuration(whole);
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i]}`;
}

/** `sha256:0123456789ab...` -> `sha256:0123456789ab`, for tables. */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return "-";
  const [algo, hex] = digest.split(":");
  return hex ? `${algo}:${hex.slice(0, 12)}` : digest.slice(0, 19);
}

/** A fixed-width text table: columns padded to their widest cell, two spaces apart. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/**
 * How long a build that has not ended has been at it: `running 42 s` since it started,
 * `queued 3 s` since it was created; undefined once it ended.
 */
export function describeRunningTime(
  b: Pick<BuildRecord, "status" | "createdAt" | "startedAt">,
  now: number,
): string | undefined {
  const since = b.status === "running" ? b.startedAt : b.status === "queued" ? b.createdAt : undefined;
  if (since === undefined || since === null) return undefined;
  const ms = now - Date.parse(since);
  return Number.isFinite(ms) ? `${b.status} ${formatElapsed(ms)}` : undefined;
}
