// Shared bits of the HTTP benchmarks: RSS of a process from /proc, a sampler for its
// peak, and percentiles.
import { readFile } from "node:fs/promises";

/** Resident set size of `pid` in bytes (Linux /proc). */
export async function resolveRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/** Samples RSS every `ms` until stopped; returns the peak. */
export function sampleRss(pid: number, ms = 50): { stop: () => Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await resolveRss(pid));
      await new Promise((r) => setTimeout(r, ms));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const MiB = 1024 * 1024;
export const fmtMiB = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
