// Pure formatting shared by the console's server-side components and its browser script
// (bundled into it), so a duration or an age reads the same before and after a live update.
// No Node or DOM APIs here.

/** `850 ms`, `12.3 s`, `4m05s`, `1h02m`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return m < 60
    ? `${m}m${String(s).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** A running timer: whole seconds, so it does not flicker (`7 s`, `4m05s`). */
export function formatElapsed(ms: number): string {
  const whole = Math.max(0, Math.floor(ms / 1000)) * 1000;
  return whole < 60_000 ? `${whole / 1000} s` : formatDuration(whole);
}

/** `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `12 d ago`. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400 * 2) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
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

/** `sha256:0123456789ab` (12 hex digits): enough to tell images apart at a glance. */
export function shortDigest(digest: string): string {
  const [algo, hex] = digest.split(":");
  return hex ? `${algo}:${hex.slice(0, 12)}` : digest.slice(0, 19);
}

/** The tag part of an image reference (`ghcr.io/a/b:v1` → `v1`), or the reference itself. */
export function tagOf(ref: string): string {
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > slash ? ref.slice(colon + 1) : ref;
}

/** `2026-11-23 01:00:13 UTC` from an ISO timestamp. */
export function formatUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
