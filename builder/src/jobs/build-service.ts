// The job layer's face to the HTTP layer and main.ts: submit, cancel, retry, wait, drain,
// webhooks, schedules and the numbers /metrics reads. All state is in the data dir;
// this object only holds what runs on this replica.
import { isTerminalStatus, type BuildRecord } from "../../../common/build-record.js";
import {
  buildRequestSchema,
  describeIssues,
  formatIssues,
  type BuildRequest,
} from "../../../common/build-request.js";
import { handleGithubPush, type GithubPushInput, type HookResult } from "./github-push.js";
import { buildJobContext, type BuildServiceDeps, type JobContext } from "./job-context.js";
import { JobLoop } from "./job-loop.js";
import { LocalBuilds } from "./local-builds.js";
import type { ListQuery, ListResult } from "./ports.js";
import { endBuild } from "../store/record-lifecycle.js";
import { retireBuild } from "./retire.js";
import { scheduleBuilds, type ScheduleInput } from "./schedule.js";
import { ServiceError } from "./service-error.js";
import { isLiveBuild, precheckSubmit, submitBuild, type SubmitOptions, type SubmitResult } from "./submit.js";
import { Sweeper, type DiskFigures } from "./sweeper.js";
import { isUploadNeeded } from "./upload-retention.js";
import { asError } from "../../../common/errors.js";

// The types of this face, from the one module that defines each (the HTTP layer imports them from here).
export type { GithubPushInput, HookResult } from "./github-push.js";
export type { UploadInfo } from "./plan-build.js";
export type { ListQuery, ListResult } from "./ports.js";
export type { ScheduleInput } from "./schedule.js";
export type { SubmitOptions, SubmitResult } from "./submit.js";
export type { UploadedContext } from "../source/upload.js";

export interface DrainResult {
  finished: string[];
  interrupted: string[];
}

export interface JobStats {
  queued: number;
  running: number;
  runningHere: number;
  byTarget: Record<string, { queued: number; running: number }>;
}

export class BuildService {
  private readonly ctx: JobContext;
  private readonly loop: JobLoop;
  private readonly local: LocalBuilds;
  private readonly sweeper: Sweeper;
  private draining = false;

  constructor(deps: BuildServiceDeps) {
    this.ctx = buildJobContext(deps);
    this.local = new LocalBuilds(this.ctx.settings.concurrency, (id, err) =>
      this.ctx.logger.warn("build ended with an error", { buildId: id, error: String(err) }),
    );
    this.loop = new JobLoop(this.ctx, this.local);
    this.sweeper = new Sweeper(this.ctx, (id) => this.local.has(id));
  }

  get owner(): string {
    return this.ctx.owner;
  }

  /** Claims and recovers builds, and sweeps crash leftovers now and on a timer. */
  start(): void {
    this.loop.start();
    this.sweeper.start();
  }

  /** Stops claiming and sweeping; builds running here go on (use drain to end them). */
  async stop(): Promise<void> {
    await Promise.all([this.loop.stop(), this.sweeper.stop()]);
  }

  /** One sweep now (the timer runs them anyway); for tests and `cache prune`-like tools. */
  sweep(): ReturnType<Sweeper["sweep"]> {
    return this.sweeper.sweep();
  }

  /** Data dir and scratch bytes as of the last sweep (for /metrics). */
  diskFigures(): DiskFigures {
    return { ...this.sweeper.figures };
  }

  /** Refuses an upload before its body is read when the request cannot succeed anyway (SPEC §4). */
  async precheck(req: BuildRequest, opts: { idempotencyKey?: string } = {}): Promise<void> {
    this.refuseWhileDraining();
    await precheckSubmit(this.ctx, req, opts);
  }

  /** True while a queued or running build (on any replica) uses the uploaded context. */
  isUploadNeeded(sha256: string): Promise<boolean> {
    return isUploadNeeded(this.ctx, sha256);
  }

  async submit(req: BuildRequest, opts: SubmitOptions): Promise<SubmitResult> {
    this.refuseWhileDraining();
    const result = await submitBuild(this.ctx, req, opts);
    if (!result.deduplicated) this.loop.nudge();
    return result;
  }

  get(id: string): Promise<BuildRecord | undefined> {
    return this.ctx.store.get(id);
  }

  async list(query: ListQuery): Promise<ListResult> {
    const page = await this.ctx.store.list(query);
    return { builds: page.builds, nextCursor: page.nextCursor ?? null };
  }

  /**
   * Queued: cancelled at once. Running here: its signal is aborted (the runner kills the
   * buildx process group). Running elsewhere: a durable request its replica sees at the
   * next lease renewal. Ended: CONFLICT.
   */
  async cancel(id: string): Promise<BuildRecord> {
    const record = await this.mustGet(id);
    if (isTerminalStatus(record.status) && !isLiveBuild(record, this.ctx.settings.maxAttempts)) {
      throw new ServiceError(
        "CONFLICT",
        `build ${id} already ended with status ${record.status}; only queued or running builds can be cancelled`,
      );
    }
    const now = this.ctx.now();
    if (
      record.status === "queued" &&
      (await this.ctx.coord.claim(id, record.attempt, this.ctx.owner, "cancel", now))
    ) {
      // The line first: a stream that sees the ended record reads the log to its end and stops.
      await this.ctx.store.appendLog(id, [{ stream: "system", line: "cancelled while queued" }]);
      const cancelled = await this.ctx.store.update(id, (r) =>
        endBuild(
          r,
          { status: "cancelled", code: "CANCELLED", message: "the build was cancelled before it started" },
          now,
        ),
      );
      await retireBuild(this.ctx, id);
      return cancelled;
    }
    const stopping = this.local.abort(id, { code: "CANCELLED", message: "the build was cancelled" });
    if (stopping) {
      // Already stopping for another reason (a drain, a lost lease): that attempt may be
      // requeued, so the cancel is also written where recovery reads it.
      if (stopping.code !== "CANCELLED") await this.ctx.coord.requestCancel(id, now);
      return (await this.ctx.store.get(id)) ?? record;
    }
    await this.ctx.coord.requestCancel(id, now);
    // Not in the build log: the owning replica is appending to it, and two writers could
    // number a line alike. The owner logs the cancellation when it picks the request up.
    this.ctx.logger.info("cancel requested for a build running on another replica", { buildId: id });
    return (await this.ctx.store.get(id)) ?? record;
  }

  /**
   * A new build with the same parameters (and the same commit or upload); `idempotencyKey`
   * makes a re-sent retry return the same build.
   */
  async retry(id: string, opts: { idempotencyKey?: string } = {}): Promise<SubmitResult> {
    const old = await this.mustGet(id);
    const { params, source } = old;
    const req: BuildRequest = {
      target: params.target,
      ...(source.kind === "git" ? { ref: params.ref ?? source.ref } : {}),
      tags: params.tags,
      platforms: params.platforms,
      buildArgs: params.buildArgs,
      push: params.push,
      smoke: params.smoke,
      noCache: params.noCache,
    };
    // Records are re-validated like a new request: one written before a rule existed (a
    // webhook ref that was never checked) must not reach git or docker through a retry.
    const valid = buildRequestSchema.safeParse(req);
    if (!valid.success) {
      throw new ServiceError(
        "INVALID_REQUEST",
        `build ${id} cannot be retried: its recorded parameters are not valid: ${describeIssues(valid.error, req)}`,
        { issues: formatIssues(valid.error) },
      );
    }
    return this.submit(req, {
      trigger: { kind: "retry", of: id },
      ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
      ...(source.kind === "git" && source.commit ? { commit: source.commit } : {}),
      ...(source.kind === "upload"
        ? { upload: { sha256: source.sha256, bytes: source.bytes, files: source.files ?? 0 } }
        : {}),
    });
  }

  /** The final record; an interrupted build with attempts left is not final (it will be requeued). */
  async waitForEnd(id: string, signal: AbortSignal): Promise<BuildRecord> {
    for (;;) {
      const record = await this.mustGet(id);
      if (isTerminalStatus(record.status) && !isLiveBuild(record, this.ctx.settings.maxAttempts))
        return record;
      // A build running on this replica wakes the waiter the moment it ends; others are polled.
      const local = this.local.get(id);
      if (local) await local.done;
      else await abortableDelay(250, signal);
    }
  }

  /**
   * SIGTERM: refuse submits, stop claiming, give running builds `seconds` to finish, then
   * abort the rest with INTERRUPTED. Their leases are released as they end, so another
   * replica requeues those with attempts left at its next poll.
   */
  async drain(seconds: number): Promise<DrainResult> {
    this.draining = true;
    await this.loop.stop();
    const ids = this.local.ids();
    let interrupted: string[] = [];
    // One wait (every build here ended); the deadline only aborts what still runs then.
    const deadline = setTimeout(() => {
      interrupted = this.local.abortAll({
        code: "INTERRUPTED",
        message: `the replica ${this.ctx.owner} shut down (drain of ${seconds} s ran out)`,
      });
    }, seconds * 1000);
    try {
      await this.local.onIdle();
    } finally {
      clearTimeout(deadline);
    }
    return { finished: ids.filter((id) => !interrupted.includes(id)), interrupted };
  }

  handleGithubPush(input: GithubPushInput): Promise<HookResult> {
    this.refuseWhileDraining();
    return handleGithubPush(this.ctx, input, (req, opts) => this.submit(req, opts));
  }

  /** Builds of the named targets, or of every target with schedule: true (schedule.ts). */
  schedule(input: ScheduleInput): Promise<HookResult> {
    this.refuseWhileDraining();
    return scheduleBuilds(this.ctx, input, (req, opts) => this.submit(req, opts));
  }

  /** Builds waiting in the data dir's queue (all replicas). */
  async queueDepth(): Promise<number> {
    return (await this.stats()).queued;
  }

  /** Builds running on this replica. */
  running(): number {
    return this.local.size;
  }

  async stats(): Promise<JobStats> {
    const stats: JobStats = { queued: 0, running: 0, runningHere: this.local.size, byTarget: {} };
    for (const id of await this.ctx.active.ids()) {
      const record = await this.ctx.store.get(id);
      if (!record || (record.status !== "queued" && record.status !== "running")) continue;
      const t = (stats.byTarget[record.target] ??= { queued: 0, running: 0 });
      t[record.status] += 1;
      stats[record.status] += 1;
    }
    return stats;
  }

  private refuseWhileDraining(): void {
    if (this.draining) {
      const after = this.ctx.settings.shutdownRetryAfter;
      throw new ServiceError(
        "SHUTTING_DOWN",
        `this builder replica is shutting down; retry in ${after} s (another replica may take the request)`,
        { retryAfter: after },
      );
    }
  }

  private async mustGet(id: string): Promise<BuildRecord> {
    const record = await this.ctx.store.get(id);
    if (!record)
      throw new ServiceError("NOT_FOUND", `build ${JSON.stringify(id.slice(0, 140))} does not exist`);
    return record;
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(asError(signal.reason));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(asError(signal.reason));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
