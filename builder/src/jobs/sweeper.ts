// The sweep every replica runs at start and then every `sweepMs` (SPEC §7): uploads past
// their retention, incoming uploads and deletions a crash cut short, scratch dirs of
// builds that run nowhere, and the cache's leftover exports and trash. Each part decides
// from the shared records, leases and target locks (or a provably dead owner), so any
// replica may sweep what another left. The same pass measures the data dir and the
// scratch root for /metrics, so a scrape never walks a tree.
import { dirSize } from "../cache/fs-ops.js";
import type { JobContext } from "./job-context.js";
import { sweepScratch } from "./scratch-sweep.js";
import { sweepUploads } from "./upload-retention.js";

export interface DiskFigures {
  /** Bytes under BUILDER_DATA_DIR (records, logs, uploads); null until measured. */
  dataDirBytes: number | null;
  /** Bytes of per-build scratch on local disk; null until measured. */
  scratchBytes: number | null;
}

export interface SweepResult {
  uploads: string[];
  leftovers: string[];
  scratch: string[];
  cache: string[];
}

export class Sweeper {
  readonly figures: DiskFigures = { dataDirBytes: null, scratchBytes: null };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;

  constructor(
    private readonly ctx: JobContext,
    private readonly isRunningHere: (id: string) => boolean,
  ) {}

  /** Sweeps now, then every sweepMs until stop(). */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      void this.sweep().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.ctx.settings.sweepMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass (a pass already running is joined, not doubled). */
  sweep(): Promise<SweepResult> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<SweepResult> {
    const { ctx } = this;
    const result: SweepResult = { uploads: [], leftovers: [], scratch: [], cache: [] };
    const staleMs = 2 * ctx.settings.leaseMs;
    await this.part("uploads", async () => {
      if (!ctx.uploads) return;
      result.leftovers = await ctx.uploads.sweepLeftovers(staleMs, ctx.now().getTime());
      result.uploads = await sweepUploads(ctx, ctx.uploads);
    });
    await this.part("scratch", async () => {
      if (ctx.scratchRoot) result.scratch = await sweepScratch(ctx, ctx.scratchRoot, this.isRunningHere);
    });
    await this.part("cache", async () => {
      if (ctx.cache) result.cache = await ctx.cache.sweepLeftovers();
    });
    await this.part("sizes", async () => {
      this.figures.dataDirBytes = await dirSize(ctx.dataDir);
      this.figures.scratchBytes = ctx.scratchRoot ? await dirSize(ctx.scratchRoot) : 0;
    });
    const swept = [...result.uploads, ...result.leftovers, ...result.scratch, ...result.cache];
    if (swept.length > 0) ctx.logger.info("swept", { ...result });
    return result;
  }

  /** A part that fails is logged and the others still run: one bad entry must not stop the sweep. */
  private async part(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.ctx.logger.warn("sweep failed", { part: name, error: String(err) });
    }
  }
}
