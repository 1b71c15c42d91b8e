// Each replica's scheduler: every pollMs (and at once when nudged by a local submit or a
// finished build) it walks the active builds in the data dir, lets recovery handle what
// other replicas left behind, and claims queued builds, oldest first, while it has
// capacity and the build's target is free on every replica.
import type { BuildRecord } from "../../../common/build-record.js";
import type { JobContext } from "./job-context.js";
import { buildLease } from "./leases.js";
import { recoverBuild } from "./recovery.js";
import type { LocalBuilds } from "./local-builds.js";
import { runClaimedBuild } from "./run-build.js";

/** A marker without a record for this long is a create that died half way. */
const ORPHAN_MARKER_MS = 60_000;

export class JobLoop {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly ctx: JobContext,
    /** This replica's running builds; the loop only adds to it. */
    private readonly local: LocalBuilds,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.nudge();
  }

  /** Stops claiming and recovering; builds already running go on. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Looks for work now instead of at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.ticking = this.tick()
      .catch((err: unknown) => this.ctx.logger.warn("scheduler pass failed", { error: String(err) }))
      .finally(() => {
        this.ticking = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.nudge();
        } else {
          this.timer = setTimeout(() => this.nudge(), this.ctx.settings.pollMs);
        }
      });
  }

  private async tick(): Promise<void> {
    const queued: BuildRecord[] = [];
    for (const id of await this.ctx.active.ids()) {
      if (this.stopped) return;
      const [record, marker] = await Promise.all([this.ctx.store.get(id), this.ctx.active.resolve(id)]);
      if (!marker) continue;
      if (!record) {
        if (Date.parse(marker.queuedAt) + ORPHAN_MARKER_MS < this.ctx.now().getTime())
          await this.ctx.active.clear(id);
        continue;
      }
      const current = await recoverBuild(this.ctx, record, marker, this.local.has(id));
      if (current.status === "queued") queued.push(current);
    }
    for (const record of queued) {
      if (this.stopped || !this.local.hasRoom()) return;
      if (this.local.runsTarget(record.target)) continue;
      if (!this.ctx.claimFilter(record)) continue;
      await this.tryClaim(record);
    }
  }

  private async tryClaim(record: BuildRecord): Promise<boolean> {
    const { ctx } = this;
    const now = ctx.now();
    const lease = buildLease(ctx.owner, record.id, record.attempt, now, ctx.settings.leaseMs);
    if (await ctx.coord.isTargetBusy(record.target, now)) return false;
    if (!(await ctx.coord.acquireTargetLock(record.target, lease, now))) return false;
    const fresh = await ctx.store.get(record.id);
    const claimed =
      fresh?.status === "queued" &&
      fresh.attempt === record.attempt &&
      (await ctx.coord.claim(record.id, record.attempt, ctx.owner, "run", now));
    if (!claimed || !fresh) {
      await ctx.coord.releaseTargetLock(record.target, ctx.owner, record.id);
      return false;
    }
    await ctx.coord.writeLease(lease);
    this.local.start(
      fresh,
      (controller) => runClaimedBuild(ctx, fresh, controller),
      () => this.nudge(),
    );
    ctx.logger.info("build claimed", { buildId: record.id, attempt: record.attempt, target: record.target });
    return true;
  }
}
