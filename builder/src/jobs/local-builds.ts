// The builds running on this replica: at most BUILDER_CONCURRENCY at once (a p-queue),
// each with its own AbortController (cancel, build timeout, lost lease, drain), and one
// way to wait until none is left (`onIdle`, for drain). The job loop starts builds here
// only when there is room, so nothing waits in the queue itself: a claimed build must not
// sit behind another one while a replica with room could have taken it.
//
// The controller is not handed to p-queue as its `signal` option: p-queue then rejects the
// task at once on abort and frees the slot, while the build is still stopping buildx,
// writing its record and releasing its lease. A slot here is free when the build has
// really ended, and drain's onIdle means "every build ended".
import PQueue from "p-queue";
import type { BuildRecord } from "../../../common/build-record.js";
import type { AbortReason } from "./ports.js";

export interface LocalBuild {
  readonly id: string;
  readonly target: string;
  readonly attempt: number;
  /** The final record; never rejects (run's errors are the caller's to record). */
  readonly done: Promise<BuildRecord | undefined>;
}

interface Entry extends LocalBuild {
  readonly controller: AbortController;
}

export class LocalBuilds {
  private readonly queue: PQueue;
  private readonly builds = new Map<string, Entry>();

  constructor(
    private readonly concurrency: number,
    private readonly onError: (id: string, err: unknown) => void,
  ) {
    this.queue = new PQueue({ concurrency });
  }

  /** Builds running here now. */
  get size(): number {
    return this.builds.size;
  }

  hasRoom(): boolean {
    return this.builds.size < this.concurrency;
  }

  has(id: string): boolean {
    return this.builds.has(id);
  }

  get(id: string): LocalBuild | undefined {
    return this.builds.get(id);
  }

  ids(): string[] {
    return [...this.builds.keys()];
  }

  /** True when a build of `target` runs here (one per target, like the lock across replicas). */
  runsTarget(target: string): boolean {
    return [...this.builds.values()].some((b) => b.target === target);
  }

  /**
   * Runs `run` with the build's own controller; `onEnd` is called once it ended and left
   * the set (the job loop looks for more work then).
   */
  start(
    record: BuildRecord,
    run: (controller: AbortController) => Promise<BuildRecord>,
    onEnd: () => void,
  ): LocalBuild {
    const controller = new AbortController();
    const { id, target, attempt } = record;
    const done = this.queue
      .add(() => run(controller), { id })
      .catch((err: unknown) => {
        this.onError(id, err);
        return undefined;
      })
      .finally(() => {
        this.builds.delete(id);
        onEnd();
      });
    const entry: Entry = { id, target, attempt, controller, done };
    this.builds.set(id, entry);
    return entry;
  }

  /** Aborts the build's signal (the runner ends the record with the reason's code); the reason it is stopping with, undefined when not here. */
  abort(id: string, reason: AbortReason): AbortReason | undefined {
    const entry = this.builds.get(id);
    if (!entry) return undefined;
    if (!entry.controller.signal.aborted) entry.controller.abort(reason);
    return entry.controller.signal.reason as AbortReason;
  }

  /** Aborts every build still running here; their ids. */
  abortAll(reason: AbortReason): string[] {
    const ids = [...this.builds.keys()];
    for (const id of ids) this.abort(id, reason);
    return ids;
  }

  /** Resolves once no build runs here (each has written its record and released its lease). */
  onIdle(): Promise<void> {
    return this.queue.onIdle();
  }
}
