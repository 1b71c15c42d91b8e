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
      // A process that exited has no RSS: the sampler stops instead of failing the bench.
      const rss = await resolveRss(pid).catch(() => undefined);
      if (rss === undefined) return;
      peak = Math.max(peak, rss);
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

/** User + system CPU seconds of `pid` (Linux /proc, clock ticks of 1/100 s). */
export async function resolveCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Microseconds some task waited for a CPU and for I/O, machine-wide (Linux PSI). Their
 * growth over a timed run, against its length, says how contended the shared machine was
 * during it: the way to tell a slow product from a busy box.
 */
export async function resolvePressure(): Promise<{ cpu: number; io: number }> {
  const some = async (kind: string) => {
    const text = await readFile(`/proc/pressure/${kind}`, "utf8").catch(() => "");
    return Number(/^some .*total=(\d+)/m.exec(text)?.[1] ?? NaN);
  };
  return { cpu: await some("cpu"), io: await some("io") };
}
