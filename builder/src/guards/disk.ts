// Free-space guard (SPEC §3 "Guards"): the SFS holds 200 GB of models and must never be
// filled by the builder, so a build fails fast with DISK_LOW when the data or cache
// filesystem is below either threshold.
import { mkdir, statfs } from "node:fs/promises";

export interface DiskUsage {
  path: string;
  freeBytes: number;
  totalBytes: number;
  freePercent: number;
}

export interface DiskThresholds {
  minFreeBytes: number;
  minFreePercent: number;
}

export async function resolveDiskUsage(path: string): Promise<DiskUsage> {
  await mkdir(path, { recursive: true });
  const s = await statfs(path);
  // bavail: blocks available to unprivileged users, which is what a build can actually use.
  const freeBytes = s.bavail * s.bsize;
  const totalBytes = s.blocks * s.bsize;
  return { path, freeBytes, totalBytes, freePercent: totalBytes ? (freeBytes / totalBytes) * 100 : 0 };
}

/** Human-readable bytes: 5.0 GiB, 312 MiB. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** A sentence saying why `usage` is below the thresholds, or undefined when it is fine. */
export function describeLowDisk(usage: DiskUsage, t: DiskThresholds): string | undefined {
  const reasons: string[] = [];
  if (usage.freeBytes < t.minFreeBytes) {
    reasons.push(
      `${formatBytes(usage.freeBytes)} free, below BUILDER_MIN_FREE_BYTES (${formatBytes(t.minFreeBytes)})`,
    );
  }
  if (usage.freePercent < t.minFreePercent) {
    reasons.push(
      `${usage.freePercent.toFixed(1)}% free, below BUILDER_MIN_FREE_PERCENT (${t.minFreePercent}%)`,
    );
  }
  return reasons.length ? `not enough free space on ${usage.path}: ${reasons.join(" and ")}` : undefined;
}

/** Checks every path; returns the first problem found, or undefined. */
export async function checkDiskSpace(
  paths: readonly string[],
  t: DiskThresholds,
): Promise<string | undefined> {
  for (const p of paths) {
    const problem = describeLowDisk(await resolveDiskUsage(p), t);
    if (problem) return problem;
  }
  return undefined;
}
