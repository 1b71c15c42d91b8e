import { describe, expect, it } from "vitest";
import type { LogLine } from "../../../common/build-record.js";
import { Subscription } from "../../../builder/src/store/log-follow-hub.js";

const lines = (from: number, n: number): LogLine[] =>
  Array.from({ length: n }, (_, i) => ({ seq: from + i, ts: "t", stream: "stdout", line: "x" }));

describe("a follower's queue", () => {
  it("hands batches over in order while it keeps up", async () => {
    const sub = new Subscription(0, 50, 1000);
    sub.deliver({ kind: "lines", lines: lines(1, 2), from: 0, to: 200 });
    sub.deliver({ kind: "lines", lines: lines(3, 2), from: 200, to: 400 });
    sub.deliver({ kind: "end" });
    expect(await sub.next()).toMatchObject({ kind: "lines", from: 0 });
    expect(await sub.next()).toMatchObject({ kind: "lines", from: 200 });
    expect(await sub.next()).toEqual({ kind: "end" });
  });

  it("past its limit drops what it holds for a gap to read from the file, and never drops the end", async () => {
    const sub = new Subscription(0, 50, 1000);
    for (let i = 0; i < 10; i++)
      sub.deliver({ kind: "lines", lines: lines(1 + i * 2, 2), from: i * 400, to: (i + 1) * 400 });
    sub.deliver({ kind: "end" });
    expect(await sub.next()).toEqual({ kind: "gap", from: 0, to: 4000 });
    expect(await sub.next()).toEqual({ kind: "end" });
  });

  it("keeps one batch of any size: it is shared with every other follower", async () => {
    const sub = new Subscription(0, 50, 1000);
    sub.deliver({ kind: "lines", lines: lines(1, 100), from: 0, to: 50_000 });
    expect(await sub.next()).toMatchObject({ kind: "lines", from: 0, to: 50_000 });
  });

  it("after a gap queues again from where the gap ended", async () => {
    const sub = new Subscription(0, 50, 1000);
    for (let i = 0; i < 4; i++)
      sub.deliver({ kind: "lines", lines: lines(1 + i, 1), from: i * 600, to: (i + 1) * 600 });
    expect(await sub.next()).toEqual({ kind: "gap", from: 0, to: 2400 });
    sub.deliver({ kind: "lines", lines: lines(5, 1), from: 2400, to: 2500 });
    expect(await sub.next()).toMatchObject({ kind: "lines", from: 2400 });
  });
});
