import { describe, expect, it } from "vitest";
import { AdaptiveLevel, type GzipMode, type SentBlock } from "../../../trigger/src/context/adaptive-level.js";

const MiB = 1024 * 1024;
const OPTS = { warmupWireBytes: 4 * MiB, windowBytes: 4 * MiB };

/** Feeds 1 MiB blocks, each taking `ms`, waiting as given, under the sender's current mode. */
function feed(
  a: AdaptiveLevel,
  clock: { now: number },
  n: number,
  block: { ms: number; wire: number; compressWaitMs?: number; drainWaitMs?: number; mode?: GzipMode },
): void {
  for (let i = 0; i < n; i++) {
    clock.now += block.ms;
    const sent: SentBlock = {
      mode: block.mode ?? a.current,
      inputBytes: MiB,
      wireBytes: block.wire,
      compressWaitMs: block.compressWaitMs ?? 0,
      drainWaitMs: block.drainWaitMs ?? 0,
      at: clock.now,
    };
    a.sent(sent);
  }
}

/** Compressor-bound blocks (4 ms each, nearly all of it waiting on compression) until the sender probes. */
function untilProbe(a: AdaptiveLevel, clock: { now: number }): void {
  for (let i = 0; a.current === "compress" && i < 1000; i++)
    feed(a, clock, 1, { ms: 4, wire: MiB / 6, compressWaitMs: 3.5 });
  expect(a.current).toBe("probe");
}

describe("AdaptiveLevel", () => {
  it("keeps compressing on a link that pushes back, and never probes", () => {
    const a = new AdaptiveLevel(1, OPTS);
    const clock = { now: 0 };
    feed(a, clock, 200, { ms: 20, wire: MiB / 6, compressWaitMs: 1, drainWaitMs: 18 });
    expect(a.current).toBe("compress");
    expect(a.levelForNext()).toBe(1);
    expect(a.describe()).toBeUndefined();
  });

  it("stores once a probe shows the link takes stored blocks faster than the compressor makes them", () => {
    const a = new AdaptiveLevel(1, OPTS);
    const clock = { now: 0 };
    untilProbe(a, clock);
    expect(a.levelForNext()).toBe(0);
    // Two blocks compressed before the switch are still in flight: they do not count.
    feed(a, clock, 2, { ms: 4, wire: MiB / 6, compressWaitMs: 3.5, mode: "compress" });
    // Stored blocks fill the buffers for free (a push that does not wait still takes a
    // few microseconds), then the link pushes back at 2 ms a block.
    feed(a, clock, 3, { ms: 0.1, wire: MiB, drainWaitMs: 0.02 });
    feed(a, clock, 10, { ms: 2, wire: MiB, drainWaitMs: 1.8 });
    expect(a.current).toBe("store");
    expect(a.describe()).toBe("stored: the link took 500 MiB/s uncompressed, compressing managed 250 MiB/s");
    feed(a, clock, 50, { ms: 50, wire: MiB, drainWaitMs: 49 });
    expect(a.current).toBe("store"); // decided once per upload
  });

  it("goes back to compressing when the probe shows the link is the slower side after all", () => {
    const a = new AdaptiveLevel(1, OPTS);
    const clock = { now: 0 };
    untilProbe(a, clock);
    // The buffers the compressed phase left empty swallow a few stored blocks at once;
    // a probe timed over those would call this link fast. Then 10 ms a block: 100 MiB/s.
    feed(a, clock, 6, { ms: 0.1, wire: MiB, drainWaitMs: 0.05 });
    feed(a, clock, 10, { ms: 10, wire: MiB, drainWaitMs: 9.5 });
    expect(a.current).toBe("compress");
    expect(a.describe()).toBe("compressed: 250 MiB/s against 100 MiB/s uncompressed");
    feed(a, clock, 100, { ms: 4, wire: MiB / 6, compressWaitMs: 3.5 });
    expect(a.current).toBe("compress"); // no second probe
  });

  it("stores when two windows of stored blocks meet no pushback at all", () => {
    const a = new AdaptiveLevel(1, OPTS);
    const clock = { now: 0 };
    untilProbe(a, clock);
    feed(a, clock, 8, { ms: 0.5, wire: MiB, drainWaitMs: 0.3 });
    expect(a.current).toBe("store");
  });

  it("does not probe before the warm-up bytes are out, however compressor-bound", () => {
    const a = new AdaptiveLevel(1, { warmupWireBytes: 64 * MiB, windowBytes: 4 * MiB });
    const clock = { now: 0 };
    let blocks = 0;
    while (a.current === "compress" && blocks < 1000) {
      feed(a, clock, 1, { ms: 4, wire: MiB / 6, compressWaitMs: 3.5 });
      blocks++;
    }
    // 384 blocks put 64 MiB on the wire; the first window that starts after that probes.
    expect(blocks).toBeGreaterThanOrEqual(384 + 4);
    expect(blocks).toBeLessThanOrEqual(384 + 4 + 1);
    expect(a.current).toBe("probe");
  });

  it("does not judge a window that began before the warm-up ended (a slow link filling its buffers)", () => {
    const a = new AdaptiveLevel(1, { warmupWireBytes: 4 * MiB, windowBytes: 4 * MiB });
    const clock = { now: 0 };
    // The buffers swallow the first 4 MiB of output at once: compressor-bound, seemingly.
    feed(a, clock, 25, { ms: 4, wire: MiB / 6, compressWaitMs: 3.5 });
    // From here the link pushes back: 20 ms a block.
    feed(a, clock, 200, { ms: 20, wire: MiB / 6, compressWaitMs: 0.5, drainWaitMs: 19 });
    expect(a.current).toBe("compress");
    expect(a.describe()).toBeUndefined();
  });

  it("level 0 stores from the start and measures nothing", () => {
    const a = new AdaptiveLevel(0, OPTS);
    expect(a.current).toBe("store");
    expect(a.levelForNext()).toBe(0);
    feed(a, { now: 0 }, 50, { ms: 4, wire: MiB, compressWaitMs: 3 });
    expect(a.current).toBe("store");
    expect(a.describe()).toBeUndefined();
  });
});
