import { describe, expect, it } from "vitest";
import type { LogLine } from "../../../common/build-record.js";
import { makeBuildRecord } from "../../helpers/build-record.js";
import { createEventStreamResponse } from "../../../builder/src/http/event-stream.js";
import { deferred } from "../../helpers/wait-for.js";

const line = (seq: number, text = "x".repeat(100)): LogLine => ({
  seq,
  ts: "t",
  stream: "stdout",
  line: text,
});
const LIMITS = { highWaterBytes: 4096, maxBufferedBytes: 16 * 1024, stallMs: 200 };

describe("event stream transport", () => {
  it("keeps everything a producer emits, in order, and the last event after a burst", async () => {
    const res = createEventStreamResponse({
      format: "sse",
      produce: async (emit) => {
        for (let seq = 1; seq <= 500; seq++) emit({ type: "log", line: line(seq) });
        emit({ type: "end", build: makeBuildRecord({ status: "succeeded" }) });
      },
      onError: (err) => {
        throw err;
      },
    });
    const text = await res.text();
    expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    expect(text.trimEnd().split("\n\n").at(-1)).toMatch(/^event: end\ndata: /);
  });

  it("cuts off a client that lets more than the limit pile up while events keep coming", async () => {
    const cut = deferred<string>();
    const res = createEventStreamResponse({
      format: "ndjson",
      limits: LIMITS,
      produce: async (emit, signal) => {
        for (let seq = 1; seq <= 100_000 && !signal.aborted; seq++) {
          emit({ type: "log", line: line(seq) });
          if (seq % 100 === 0) await new Promise((r) => setImmediate(r));
        }
      },
      onError: (err) => cut.reject(err),
      onOverflow: (reason) => cut.resolve(reason),
    });
    // Nobody reads the body.
    expect(await cut.promise).toMatch(/^the client fell behind: more than \d+ bytes waited for it$/);
    await expect(res.text()).rejects.toThrow(/fell behind/);
  });

  it("a producer that waits for room is paused, and a client that takes nothing is cut off after stallMs", async () => {
    const cut = deferred<string>();
    let emitted = 0;
    createEventStreamResponse({
      format: "sse",
      limits: LIMITS,
      produce: async (emit, signal, ready) => {
        for (let seq = 1; seq <= 100_000 && !signal.aborted; seq++) {
          const wait = ready();
          if (wait) await wait;
          emit({ type: "log", line: line(seq) });
          emitted++;
        }
      },
      onError: (err) => cut.reject(err),
      onOverflow: (reason) => cut.resolve(reason),
    });
    expect(await cut.promise).toBe("the client took nothing for 200 ms");
    // Only about the high-water mark was produced: the rest of the log stayed where it was.
    expect(emitted * 130).toBeLessThan(4096 + 16 * 1024 + 24 * 1024);
  });

  it("encodes a shared page once: every client gets the same bytes", async () => {
    const page = [line(1), line(2), line(3)];
    const firstChunks = await Promise.all(
      [0, 1].map(async () => {
        const res = createEventStreamResponse({
          format: "sse",
          produce: async (_emit, _signal, _ready, emitLogs) => emitLogs(page),
          onError: (err) => {
            throw err;
          },
        });
        const reader = res.body!.getReader();
        await reader.read(); // retry: 2000
        const { value } = await reader.read();
        await reader.cancel();
        return value!;
      }),
    );
    expect(firstChunks[0]).toBe(firstChunks[1]);
    expect(new TextDecoder().decode(firstChunks[0])).toBe(
      page.map((l) => `event: log\nid: ${l.seq}\ndata: ${JSON.stringify(l)}\n\n`).join(""),
    );
  });
});
