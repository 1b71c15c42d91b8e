// The live event sequence of one build, shared by the SSE log route and the NDJSON wait
// mode: a status event first, then every log line after `afterSeq` (from the store, so a
// build running on another replica is followed too), status events when the status
// changes, heartbeats, and last an end event with the final record. Written as a push
// stream so both encodings are thin formatters over it.
import type { BuildRecord, BuildStatus, LogLine } from "../../../common/build-record.js";
import { isTerminalStatus } from "../../../common/build-record.js";
import PQueue from "p-queue";
import type { BuildServicePort, BuildStorePort } from "./deps.js";

export type BuildEvent =
  | { type: "log"; line: LogLine }
  | { type: "status"; status: BuildStatus; build: BuildRecord }
  | { type: "heartbeat"; ts: string }
  | { type: "end"; build: BuildRecord };

export interface FollowOptions {
  service: BuildServicePort;
  store: BuildStorePort;
  id: string;
  afterSeq: number;
  heartbeatMs: number;
  /** How often the record is re-read to report status changes (the log carries the rest). */
  statusPollMs?: number;
  signal: AbortSignal;
  emit: (event: BuildEvent) => void;
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

/** Sends the whole page as one when it continues the stream exactly; returns the new last seq, or undefined. */
function sendWhole(
  opts: FollowOptions,
  page: LogLine[],
  last: number,
  before = Infinity,
): number | undefined {
  if (!opts.emitLogs || !continues(page, last, before)) return undefined;
  opts.emitLogs(page);
  return page[page.length - 1]!.seq;
}

async function replayTail(
  opts: FollowOptions,
  after: number,
  before = Number.POSITIVE_INFINITY,
): Promise<number> {
  let last = after;
  for await (const page of opts.store.iterateLogPages(opts.id, after)) {
    if (opts.signal.aborted) break;
    await clientReady(opts);
    const sent = sendWhole(opts, page, last, before);
    if (sent !== undefined) {
      last = sent;
      continue;
    }
    for (const line of page) {
      if (line.seq >= before) return last;
      if (line.seq <= last) continue;
      opts.emit({ type: "log", line });
      last = line.seq;
    }
  }
  return last;
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

/** Status events are sent when the status or the attempt changes (a requeue may skip a status). */
function statusKey(rec: BuildRecord): string {
  return `${rec.status}/${rec.attempt}`;
}

function startStatusPoll(opts: FollowOptions, sent: { key: string }): NodeJS.Timeout {
  return setInterval(() => {
    opts.service.get(opts.id).then(
      (rec) => {
        if (rec && statusKey(rec) !== sent.key && !opts.signal.aborted) {
          sent.key = statusKey(rec);
          opts.emit({ type: "status", status: rec.status, build: rec });
        }
      },
      // A failed status read only delays a status event; the next poll or the end event reports it.
      () => undefined,
    );
  }, opts.statusPollMs ?? 1000);
}

/** Emits the build's events until its end event (resolves) or until `signal` aborts. */
export async function followBuild(opts: FollowOptions): Promise<void> {
  const { service, store, id, signal, emit } = opts;
  const clock = opts.clock ?? (() => new Date());
  const first = await service.get(id);
  if (!first) return;
  emit({ type: "status", status: first.status, build: first });
  const sent = { key: statusKey(first) };
  const heartbeat = setInterval(
    () => emit({ type: "heartbeat", ts: clock().toISOString() }),
    opts.heartbeatMs,
  );
  const poll = startStatusPoll(opts, sent);
  try {
    let last = opts.afterSeq;
    for (;;) {
      for await (const page of store.followLogPages(id, { afterSeq: last, signal })) {
        await clientReady(opts);
        const sent = sendWhole(opts, page, last);
        if (sent !== undefined) {
          last = sent;
          continue;
        }
        for (const line of page) {
          if (line.seq <= last) continue;
          // Seqs are contiguous: a gap means the follower skipped lines; fill it from the file.
          if (line.seq > last + 1) last = await replayTail(opts, last, line.seq);
          emit({ type: "log", line });
          last = line.seq;
        }
      }
      if (signal.aborted) return;
      const settled = await settle(opts);
      // Lines written between the follower's last poll and the terminal record still count.
      last = await replayTail(opts, last);
      if (settled.kind === "ended") {
        emit({ type: "end", build: settled.build });
        return;
      }
      if (statusKey(settled.build) !== sent.key) {
        sent.key = statusKey(settled.build);
        emit({ type: "status", status: settled.build.status, build: settled.build });
      }
    }
  } finally {
    clearInterval(heartbeat);
    clearInterval(poll);
  }
}
