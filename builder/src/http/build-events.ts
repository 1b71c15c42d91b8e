// The live event sequence of one build, shared by the SSE log route and the NDJSON wait
// mode: a status event first (with the record), the phases already under way, then every
// log line after `afterSeq` (from the store, so a build running on another replica is
// followed too), `phase` events as phases start and end, status events when the status
// changes, heartbeats, and last an end event with the final record. Written as a push
// stream so both encodings are thin formatters over it.
//
// Every event is sent once, in the order it happened: before a phase or status event the
// log is read up to that moment (the runner writes a phase's lines before it records the
// phase's end), and a log line is only sent when its seq is above the last one sent.
import type { BuildRecord, LogLine } from "../../../common/build-record.js";
import { isTerminalStatus } from "../../../common/build-record.js";
import type { StreamEvent } from "../../../common/stream-events.js";
import PQueue from "p-queue";
import type { BuildServicePort, BuildStorePort } from "./deps.js";
import { diffPhases, phaseKey, type SentPhases } from "./phase-events.js";

export type BuildEvent = StreamEvent;

export interface FollowOptions {
  service: BuildServicePort;
  store: BuildStorePort;
  id: string;
  afterSeq: number;
  heartbeatMs: number;
  /** How often the record is re-read to report changes made by another replica. */
  statusPollMs?: number;
  signal: AbortSignal;
  emit: (event: BuildEvent) => void;
  /**
   * The record whenever the events sent so far describe it: after the first status, after
   * each batch of phase or status events, and just before the end event.
   */
  onRecord?: (record: BuildRecord) => void;
  /**
   * Sends a page of log lines at once (as `log` events), when the transport can: it
   * encodes a page once and hands the same bytes to every client that replays it.
   */
  emitLogs?: (lines: LogLine[]) => void;
  /**
   * The transport's backpressure (event-stream.ts): pending while the client is behind.
   * Log lines are pulled from the store only when it is undefined or resolved, so a slow
   * client leaves the rest of the log on disk instead of in memory.
   */
  ready?: () => Promise<void> | undefined;
  clock?: () => Date;
}

/**
 * Streams take turns to send a page: one page across all streams of this process per
 * pass of the event loop. A hundred clients replaying a long log would otherwise each
 * send a page in the same pass, and a request arriving meanwhile (a /healthz probe, a
 * poll) would wait behind all of them. Module-wide on purpose: the event loop is.
 */
const pageTurns = new PQueue({ concurrency: 1 });

/** Waits until the client has room for the next page, then for this stream's turn. */
async function clientReady(opts: FollowOptions): Promise<void> {
  const wait = opts.ready?.();
  if (wait) await wait;
  await pageTurns.add(() => new Promise<void>((resolve) => setImmediate(resolve)));
}

/** True when `page` is exactly the lines after `last`, in order and without a hole, all before `before`. */
function continues(page: LogLine[], last: number, before: number): boolean {
  const first = page[0];
  const end = page[page.length - 1];
  return (
    !!first && !!end && first.seq === last + 1 && end.seq - first.seq === page.length - 1 && end.seq < before
  );
}

/** Status events are sent when the status or the attempt changes (a requeue may skip a status). */
function statusKey(rec: BuildRecord): string {
  return `${rec.status}/${rec.attempt}`;
}

const STATUS_RANK: Record<BuildRecord["status"], number> = {
  queued: 0,
  running: 1,
  succeeded: 2,
  failed: 2,
  cancelled: 2,
  interrupted: 2,
};

/**
 * How far along a record is; only ever grows over a build's life (store/record-lifecycle.ts):
 * the attempt (a requeue starts the next one), the status within it (queued, running, ended),
 * then each phase (pending, running, ended).
 */
function recordProgress(rec: BuildRecord): number[] {
  const phases = rec.phases.reduce(
    (sum, p) => sum + (p.status === "pending" ? 0 : p.status === "running" ? 1 : 2),
    0,
  );
  return [rec.attempt, STATUS_RANK[rec.status], phases];
}

function compareProgress(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** What one stream has sent: the last log seq, the status and each phase's state. Exported for its tests. */
export class StreamState {
  last: number;
  status = "";
  readonly phases: SentPhases = new Map();
  /**
   * Records are read by the watcher and by the end-of-log check, concurrently, and each waits
   * for the log to catch up before it is shown, so an older snapshot can arrive last: a
   * requeued build's attempt-1 "interrupted" would repaint its attempt-2 "queued". A record
   * is shown only when it is at least as far along as the last one shown (recordProgress);
   * between equals, the one read later wins.
   */
  private reads = 0;
  private shown: { progress: readonly number[]; ticket: number } | undefined;

  constructor(private readonly opts: FollowOptions) {
    this.last = opts.afterSeq;
  }

  log(line: LogLine): void {
    if (line.seq <= this.last || this.opts.signal.aborted) return;
    this.last = line.seq;
    this.opts.emit({ type: "log", line });
  }

  /**
   * A page of lines, after waiting for the client to have room: as one when it continues
   * the stream exactly (the transport encodes a page once for every client), else line by
   * line. Lines at or above `before` are left for later; returns false when it reached one.
   */
  async page(page: LogLine[], before = Number.POSITIVE_INFINITY): Promise<boolean> {
    await clientReady(this.opts);
    if (this.opts.signal.aborted) return false;
    if (this.opts.emitLogs && continues(page, this.last, before)) {
      this.opts.emitLogs(page);
      this.last = page[page.length - 1]!.seq;
      return true;
    }
    for (const line of page) {
      if (line.seq >= before) return false;
      this.log(line);
    }
    return true;
  }

  /** Sends the log lines in the file after the last one sent (and before `before`), a page at a time. */
  async catchUp(before = Number.POSITIVE_INFINITY): Promise<void> {
    for await (const page of this.opts.store.iterateLogPages(this.opts.id, this.last)) {
      if (this.opts.signal.aborted || !(await this.page(page, before))) return;
    }
  }

  /** Phase events and, for a non-terminal status (the end event reports those), a status event. */
  record(rec: BuildRecord): void {
    if (this.opts.signal.aborted) return;
    for (const phase of diffPhases(this.phases, rec)) this.opts.emit({ type: "phase", phase });
    if (statusKey(rec) !== this.status && !isTerminalStatus(rec.status)) {
      this.status = statusKey(rec);
      this.opts.emit({ type: "status", status: rec.status, build: rec });
    }
  }

  /** Call right after reading a record; hand the ticket to show() with it. */
  readTicket(): number {
    return ++this.reads;
  }

  /** The record's phase and status events, then onRecord, unless a record further along (or as far, read later) was shown. */
  show(rec: BuildRecord, ticket: number): void {
    if (this.opts.signal.aborted) return;
    const progress = recordProgress(rec);
    if (this.shown) {
      const order = compareProgress(progress, this.shown.progress);
      if (order < 0 || (order === 0 && ticket < this.shown.ticket)) return;
    }
    this.shown = { progress, ticket };
    this.record(rec);
    this.opts.onRecord?.(rec);
  }

  /** A record that may carry news (its read took `ticket`): the log up to now first, then what changed. */
  async changed(rec: BuildRecord, ticket = this.readTicket()): Promise<void> {
    if (!this.hasNews(rec)) return;
    await this.catchUp();
    this.show(rec, ticket);
  }

  private hasNews(rec: BuildRecord): boolean {
    if (statusKey(rec) !== this.status && !isTerminalStatus(rec.status)) return true;
    return rec.phases.some((p) => this.phases.get(p.name) !== phaseKey(p));
  }
}

type Settled = { kind: "ended"; build: BuildRecord } | { kind: "requeued"; build: BuildRecord };

/**
 * After the log follower ends the record is terminal, but an interrupted build with
 * attempts left is requeued (SPEC §3 Durability): either waitForEnd returns the final
 * record, or the status leaves the terminal set again and following goes on.
 */
async function settle(opts: FollowOptions): Promise<Settled> {
  const inner = new AbortController();
  const stop = () => inner.abort();
  opts.signal.addEventListener("abort", stop, { once: true });
  const requeued = (async (): Promise<Settled> => {
    for (;;) {
      await new Promise<void>((r) => setTimeout(r, opts.statusPollMs ?? 1000).unref());
      if (inner.signal.aborted) return new Promise<Settled>(() => undefined);
      const rec = await opts.service.get(opts.id);
      if (rec && !isTerminalStatus(rec.status)) return { kind: "requeued", build: rec };
    }
  })();
  try {
    return await Promise.race([
      opts.service.waitForEnd(opts.id, inner.signal).then((build): Settled => ({ kind: "ended", build })),
      requeued,
    ]);
  } finally {
    inner.abort();
    opts.signal.removeEventListener("abort", stop);
  }
}

/**
 * Watches the record: in-process updates at once (store.watchRecord), other replicas'
 * by re-reading every `statusPollMs`. Checks run one at a time; a change that arrives
 * during a check is looked at right after it.
 */
function watchRecord(opts: FollowOptions, state: StreamState): () => void {
  let running = false;
  let again = false;
  const check = (rec?: BuildRecord) => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      try {
        do {
          again = false;
          const ticket = state.readTicket(); // before the read: tickets follow when reads began
          const current = rec ?? (await opts.service.get(opts.id));
          rec = undefined;
          if (current) await state.changed(current, ticket);
        } while (again && !opts.signal.aborted);
      } catch {
        // A failed read only delays an event: the next check, or the end event, reports it.
      } finally {
        running = false;
      }
    })();
  };
  const poll = setInterval(() => check(), opts.statusPollMs ?? 1000);
  const unwatch = opts.store.watchRecord?.(opts.id, (rec) => check(rec));
  return () => {
    clearInterval(poll);
    unwatch?.();
  };
}

/** Emits the build's events until its end event (resolves) or until `signal` aborts. */
export async function followBuild(opts: FollowOptions): Promise<void> {
  const { service, store, id, signal, emit } = opts;
  const clock = opts.clock ?? (() => new Date());
  const first = await service.get(id);
  if (!first) return;
  const state = new StreamState(opts);
  // The first status event carries the record whatever its status: a client joining an
  // ended build learns what it is before the replayed log.
  state.status = statusKey(first);
  emit({ type: "status", status: first.status, build: first });
  state.show(first, state.readTicket());
  const heartbeat = setInterval(
    () => emit({ type: "heartbeat", ts: clock().toISOString() }),
    opts.heartbeatMs,
  );
  const unwatch = watchRecord(opts, state);
  try {
    for (;;) {
      for await (const page of store.followLogPages(id, { afterSeq: state.last, signal })) {
        // Seqs are contiguous: a gap means the follower skipped lines; fill it from the file.
        const first = page.find((line) => line.seq > state.last);
        if (first && first.seq > state.last + 1) await state.catchUp(first.seq);
        await state.page(page);
      }
      if (signal.aborted) return;
      const settled = await settle(opts);
      const ticket = state.readTicket();
      // Lines written between the follower's last poll and the terminal record still count.
      await state.catchUp();
      state.show(settled.build, ticket);
      if (settled.kind === "ended") {
        emit({ type: "end", build: settled.build });
        return;
      }
    }
  } finally {
    clearInterval(heartbeat);
    unwatch();
  }
}
