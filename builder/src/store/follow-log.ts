// One follower of a build's log: replay from the file, then the shared poller's
// batches (see log-follow-hub.ts for why the two together cover every line once). The
// replay starts where the log passes `afterSeq` (found by bisecting, not by parsing
// everything before it), and a gap the hub reports is read back from the file too.
import type { BuildRecord, LogLine } from "../../../common/build-record.js";
import type { LogFollowHub } from "./log-follow-hub.js";
import { iterateLogRange, resolveSeqOffset } from "./log-file.js";
import { StoreError } from "./store-error.js";

export interface FollowOptions {
  /** Yield only lines with a greater seq (SSE Last-Event-ID). Default 0: everything. */
  afterSeq?: number;
  /** Ends the iteration (quietly) when aborted. */
  signal?: AbortSignal;
  /** How often the shared poller reads the file; the smallest of its followers wins. Default 250 ms. */
  pollMs?: number;
}

export async function* followLog(
  hub: LogFollowHub,
  file: string,
  id: string,
  { afterSeq = 0, signal, pollMs = 250 }: FollowOptions,
  getRecord: () => Promise<BuildRecord | undefined>,
): AsyncGenerator<LogLine> {
  if (!(await getRecord())) throw new StoreError("NOT_FOUND", `build ${JSON.stringify(id)} does not exist`);
  if (signal?.aborted) return;
  const sub = hub.join(id, pollMs);
  let last = afterSeq;
  try {
    const start = sub.joinOffset > 0 ? await resolveSeqOffset(file, afterSeq) : 0;
    for await (const line of iterateLogRange(
      file,
      afterSeq,
      Math.min(start, sub.joinOffset),
      sub.joinOffset,
    )) {
      if (signal?.aborted) return;
      last = line.seq;
      yield line;
    }
    for (;;) {
      const d = await sub.next(signal);
      if (d.kind === "end") return;
      if (d.kind === "error") throw d.error;
      if (d.kind === "gap") {
        for await (const line of iterateLogRange(file, last, d.from, d.to)) {
          if (signal?.aborted) return;
          last = line.seq;
          yield line;
        }
        continue;
      }
      for (const line of d.lines) {
        if (line.seq <= last) continue;
        last = line.seq;
        yield line;
      }
    }
  } finally {
    hub.leave(id, sub);
  }
}
