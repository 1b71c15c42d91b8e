// One follower of a build's log: replay from the file, then the shared poller's
// batches (see log-follow-hub.ts for why the two together cover every line once). The
// replay starts where the log passes `afterSeq` (found by bisecting, not by parsing
// everything before it), and a gap the hub reports is read back from the file too.
import type { BuildRecord, LogLine } from "../../../common/build-record.js";
import type { LogFollowHub } from "./log-follow-hub.js";
import { iterateLogPages, resolveSeqOffset } from "./log-file.js";
import { StoreError } from "./store-error.js";

export interface FollowOptions {
  /** Yield only lines with a greater seq (SSE Last-Event-ID). Default 0: everything. */
  afterSeq?: number;
  /** Ends the iteration (quietly) when aborted. */
  signal?: AbortSignal;
  /** How often the shared poller reads the file; the smallest of its followers wins. Default 250 ms. */
  pollMs?: number;
}

/**
 * The log a page at a time (a replayed page of the file, or one batch of the poller):
 * every line after `afterSeq` once, ending when the build is terminal and all its lines
 * were yielded, or on abort. Pages let a consumer (an SSE stream) handle hundreds of
 * lines per step instead of a step per line.
 */
export async function* followLogPages(
  hub: LogFollowHub,
  file: string,
  id: string,
  { afterSeq = 0, signal, pollMs = 250 }: FollowOptions,
  getRecord: () => Promise<BuildRecord | undefined>,
): AsyncGenerator<LogLine[]> {
  if (!(await getRecord())) throw new StoreError("NOT_FOUND", `build ${JSON.stringify(id)} does not exist`);
  if (signal?.aborted) return;
  const sub = hub.join(id, pollMs);
  let last = afterSeq;
  // Only lines past `last`, so a page read back from the file never repeats one.
  const fresh = (page: LogLine[]) => {
    // The page as it is when all of it is new: pages are shared (page cache, poller
    // batches), and a stream encodes a shared page once for all its clients.
    const out = page.length > 0 && page[0]!.seq > last ? page : page.filter((l) => l.seq > last);
    if (out.length > 0) last = out[out.length - 1]!.seq;
    return out;
  };
  try {
    const start = sub.joinOffset > 0 ? await resolveSeqOffset(file, afterSeq) : 0;
    for await (const page of iterateLogPages(
      file,
      afterSeq,
      Math.min(start, sub.joinOffset),
      sub.joinOffset,
    )) {
      if (signal?.aborted) return;
      yield fresh(page);
    }
    for (;;) {
      const d = await sub.next(signal);
      if (d.kind === "end") return;
      if (d.kind === "error") throw d.error;
      if (d.kind === "gap") {
        for await (const page of iterateLogPages(file, last, d.from, d.to)) {
          if (signal?.aborted) return;
          yield fresh(page);
        }
        continue;
      }
      const page = fresh(d.lines);
      if (page.length > 0) yield page;
    }
  } finally {
    hub.leave(id, sub);
  }
}

/** The same lines one at a time. */
export async function* followLog(
  hub: LogFollowHub,
  file: string,
  id: string,
  options: FollowOptions,
  getRecord: () => Promise<BuildRecord | undefined>,
): AsyncGenerator<LogLine> {
  for await (const page of followLogPages(hub, file, id, options, getRecord)) yield* page;
}
