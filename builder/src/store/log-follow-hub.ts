// Live log following with one poller per build, shared by every follower of that
// build in this process (the HTTP layer may hold 200 SSE streams on one build).
// The poller opens the log file on each tick and reads what was appended since its
// offset; it never relies on fs.watch (no events across NFS clients) or on
// in-memory state from the writer, so lines written by another replica appear too.
//
// Join protocol: a follower joins synchronously and notes the poller's offset at
// that moment; it replays [0, joinOffset) from the file itself and receives every
// batch the poller emits afterwards. The poller advances its offset and emits in
// one synchronous step, so replay + live covers every line exactly once.
//
// A follower that does not keep up (its HTTP client stopped reading) must not make the
// poller's batches pile up in memory: past `maxQueuedBytes` its queue is dropped and it
// gets a "gap" instead — the byte range it missed, which it reads back from the file in
// pages when (if) it catches up.
import type { LogLine } from "../../../common/build-record.js";
import { readLogFrom } from "./log-file.js";

/** Queued output per follower before it is switched to reading the file (roughly bytes of lines). */
export const MAX_QUEUED_BYTES = 1024 * 1024;
/**
 * The most the poller reads (and parses, on the event loop) per step; a log that is
 * further ahead is caught up in several steps, so a long log never blocks the loop.
 */
const POLL_READ_BYTES = 64 * 1024;

export interface FollowTarget {
  logFile(id: string): string;
  /** True when the build is terminal (or gone), so no further line will be written. */
  isFinished(id: string): Promise<boolean>;
}

/** Lines the poller read from bytes [from, to) of the log. */
type Batch = { kind: "lines"; lines: LogLine[]; from: number; to: number };
type Delivery =
  | Batch
  /** Lines in bytes [from, to) were dropped while the follower lagged: read them from the file. */
  | { kind: "gap"; from: number; to: number }
  | { kind: "end" }
  | { kind: "error"; error: unknown };

const batchBytes = (b: Batch) => b.to - b.from;

export class Subscription {
  private readonly queue: Batch[] = [];
  private queuedBytes = 0;
  private gap: { from: number; to: number } | undefined;
  private last: Delivery | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly joinOffset: number,
    readonly pollMs: number,
    private readonly maxQueuedBytes = MAX_QUEUED_BYTES,
  ) {}

  deliver(d: Delivery): void {
    if (d.kind === "lines") this.queueBatch(d);
    else this.last = d; // an end or an error is never dropped
    this.wake?.();
  }

  private queueBatch(b: Batch): void {
    if (this.gap) {
      this.gap.to = b.to;
      return;
    }
    this.queue.push(b);
    this.queuedBytes += batchBytes(b);
    // One batch is shared with every other follower: only a second one costs memory.
    if (this.queuedBytes <= this.maxQueuedBytes || this.queue.length === 1) return;
    this.gap = { from: this.queue[0]!.from, to: b.to };
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  /** The next delivery, or an end when `signal` aborts. */
  async next(signal?: AbortSignal): Promise<Delivery> {
    for (;;) {
      if (signal?.aborted) return { kind: "end" };
      const b = this.queue.shift();
      if (b) {
        this.queuedBytes -= batchBytes(b);
        return b;
      }
      if (this.gap) {
        const gap = this.gap;
        this.gap = undefined;
        return { kind: "gap", ...gap };
      }
      if (this.last) return this.last;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener("abort", done);
          this.wake = undefined;
          resolve();
        };
        this.wake = done;
        signal?.addEventListener("abort", done, { once: true });
      });
    }
  }
}

class BuildPoller {
  offset = 0;
  readonly subscribers = new Set<Subscription>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;
  stopped = false;

  constructor(
    private readonly id: string,
    private readonly target: FollowTarget,
    private readonly onStop: () => void,
  ) {}

  schedule(): void {
    if (this.stopped || this.ticking || this.timer) return;
    const ms = Math.min(...[...this.subscribers].map((s) => s.pollMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, ms);
  }

  /** Reads now instead of at the next interval (an in-process append just happened). */
  poke(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.onStop();
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    this.again = false;
    try {
      // Status first, log second: the runner writes its last lines before the terminal
      // status, so a read that starts after seeing "terminal" is the final one.
      const finished = await this.target.isFinished(this.id);
      const from = this.offset;
      const chunk = await readLogFrom(this.target.logFile(this.id), this.offset, POLL_READ_BYTES);
      this.offset = chunk.offset;
      if (chunk.lines.length > 0)
        for (const s of this.subscribers)
          s.deliver({ kind: "lines", lines: chunk.lines, from, to: chunk.offset });
      if (finished && chunk.eof) return this.finish({ kind: "end" });
      if (!chunk.eof) this.again = true;
    } catch (error) {
      return this.finish({ kind: "error", error });
    } finally {
      this.ticking = false;
    }
    if (this.again) void this.tick();
    else this.schedule();
  }

  private finish(d: Delivery): void {
    for (const s of this.subscribers) s.deliver(d);
    this.subscribers.clear();
    this.stop();
  }
}

export class LogFollowHub {
  private readonly pollers = new Map<string, BuildPoller>();

  constructor(private readonly target: FollowTarget) {}

  join(id: string, pollMs: number): Subscription {
    let poller = this.pollers.get(id);
    if (!poller) {
      const created = new BuildPoller(id, this.target, () => {
        if (this.pollers.get(id) === created) this.pollers.delete(id);
      });
      this.pollers.set(id, created);
      poller = created;
    }
    const sub = new Subscription(poller.offset, pollMs);
    poller.subscribers.add(sub);
    if (poller.subscribers.size === 1) poller.poke();
    return sub;
  }

  leave(id: string, sub: Subscription): void {
    const poller = this.pollers.get(id);
    if (!poller || !poller.subscribers.delete(sub)) return;
    if (poller.subscribers.size === 0) poller.stop();
  }

  poke(id: string): void {
    this.pollers.get(id)?.poke();
  }

  /** Live pollers (one per followed build) and followers across them; for tests and metrics. */
  stats(): { pollers: number; followers: number } {
    let followers = 0;
    for (const p of this.pollers.values()) followers += p.subscribers.size;
    return { pollers: this.pollers.size, followers };
  }
}
