// The order records are shown in on one stream (http/build-events.ts StreamState): a record
// waits for the log to catch up before it is shown, so a record read earlier can be ready
// later; it must never repaint one read after it (a requeued build's attempt-1 "interrupted"
// over its attempt-2 "queued" on the console's build page).
import { describe, expect, it } from "vitest";
import type { BuildRecord, LogLine } from "../../../common/build-record.js";
import { StreamState, type FollowOptions } from "../../../builder/src/http/build-events.js";
import type { BuildEvent } from "../../../builder/src/http/build-events.js";
import { makeBuildRecord } from "../../helpers/build-record.js";

/** A stream whose first log read waits until `release()`; later reads find nothing new. */
function stalledStream() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let reads = 0;
  const shown: BuildRecord[] = [];
  const events: BuildEvent[] = [];
  const opts = {
    service: {} as FollowOptions["service"],
    store: {
      async *iterateLogPages(): AsyncIterable<LogLine[]> {
        if (reads++ === 0) await gate;
      },
    } as unknown as FollowOptions["store"],
    id: "b_01TEST",
    afterSeq: 0,
    heartbeatMs: 15_000,
    signal: new AbortController().signal,
    emit: (e: BuildEvent) => events.push(e),
    onRecord: (r: BuildRecord) => shown.push(r),
  } satisfies FollowOptions;
  return { state: new StreamState(opts), shown, events, release };
}

// The replica died in the build phase: the record carries that phase's end (news to a stream).
const interrupted = makeBuildRecord({
  status: "interrupted",
  attempt: 1,
  phases: [
    {
      name: "build",
      status: "cancelled",
      startedAt: "2026-11-26T10:00:00.000Z",
      finishedAt: "2026-11-26T10:00:05.000Z",
      durationMs: 5000,
    },
  ],
});
const requeued = makeBuildRecord({ status: "queued", attempt: 2 });

describe("StreamState", () => {
  it("does not show a record read before one already shown", async () => {
    const { state, shown, events, release } = stalledStream();
    const late = state.changed(interrupted); // read first, stuck behind the log
    await state.changed(requeued); // read second, shown at once
    release();
    await late;
    expect(shown.map((r) => `${r.status}/${r.attempt}`)).toEqual(["queued/2"]);
    expect(events.filter((e) => e.type === "status").map((e) => e.status)).toEqual(["queued"]);
  });

  it("shows records in the order they were read when they finish in that order", async () => {
    const { state, shown, release } = stalledStream();
    release();
    await state.changed(interrupted);
    await state.changed(requeued);
    expect(shown.map((r) => `${r.status}/${r.attempt}`)).toEqual(["interrupted/1", "queued/2"]);
  });

  it("shows a record further along even when its read began first (the end of a build is never dropped)", async () => {
    const { state, shown, release } = stalledStream();
    release();
    const ended = makeBuildRecord({ status: "failed", attempt: 1, phases: interrupted.phases });
    const running = makeBuildRecord({ status: "running", attempt: 1 });
    const endTicket = state.readTicket(); // the end-of-log check began its read first...
    await state.changed(running); // ...a poll that began later, on an older snapshot, was shown first
    state.show(ended, endTicket);
    expect(shown.map((r) => r.status)).toEqual(["running", "failed"]);
  });

  it("a ticket taken before a later read's record was shown is stale for the end-of-log path too", async () => {
    const { state, shown, release } = stalledStream();
    const ticket = state.readTicket(); // the end-of-log check read `interrupted` first
    const late = state.changed(requeued).then(() => undefined);
    release();
    await late;
    state.show(interrupted, ticket);
    expect(shown.map((r) => r.status)).toEqual(["queued"]);
  });
});
