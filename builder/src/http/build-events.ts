// The live event sequence of one build, shared by the SSE log route and the NDJSON wait
// mode: a status event first, then every log line after `afterSeq` (from the store, so a
// build running on another replica is followed too), status events when the status
// changes, heartbeats, and last an end event with the final record. Written as a push
// stream so both encodings are thin formatters over it.
import type { BuildRecord, BuildStatus, LogLine } from "../../../common/build-record.js";
import { isTerminalStatus } from "../../../common/build-record.js";
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
  clock?: () => Date;
}

async function replayTail(
  store: BuildStorePort,
  id: string,
  after: number,
  emit: FollowOptions["emit"],
): Promise<number> {
  let last = after;
  for (const line of await store.readLog(id, after)) {
    if (line.seq > last) {
      emit({ type: "log", line });
      last = line.seq;
    }
  }
  return last;
}

/** Emits the build's events until its end event (resolves) or until `signal` aborts. */
export async function followBuild(opts: FollowOptions): Promise<void> {
  const { service, store, id, signal, emit } = opts;
  const clock = opts.clock ?? (() => new Date());
  const first = await service.get(id);
  if (!first) return;
  let status = first.status;
  emit({ type: "status", status, build: first });
  if (isTerminalStatus(first.status)) {
    await replayTail(store, id, opts.afterSeq, emit);
    emit({ type: "end", build: first });
    return;
  }
  const heartbeat = setInterval(
    () => emit({ type: "heartbeat", ts: clock().toISOString() }),
    opts.heartbeatMs,
  );
  const poll = setInterval(() => {
    service.get(id).then(
      (rec) => {
        if (rec && rec.status !== status && !isTerminalStatus(rec.status) && !signal.aborted) {
          status = rec.status;
          emit({ type: "status", status, build: rec });
        }
      },
      // A failed status read only delays a status event; the next poll or the end event reports it.
      () => undefined,
    );
  }, opts.statusPollMs ?? 1000);
  try {
    let last = opts.afterSeq;
    for await (const line of store.followLog(id, { afterSeq: opts.afterSeq, signal })) {
      if (line.seq <= last) continue;
      emit({ type: "log", line });
      last = line.seq;
    }
    if (signal.aborted) return;
    const final = await service.waitForEnd(id, signal);
    // Lines written between the follower's last poll and the terminal record still count.
    await replayTail(store, id, last, emit);
    emit({ type: "end", build: final });
  } finally {
    clearInterval(heartbeat);
    clearInterval(poll);
  }
}
