import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createBlockSink } from "../../../trigger/src/context/block-sink.js";

const MiB = 1024 * 1024;
// Source-like text that compresses about 6x at level 1 (~9 MiB).
const text = Buffer.from(
  Array.from(
    { length: 150_000 },
    (_, i) => `def step_${i}(x):\n    return x * ${i} + ${(i * 7919) % 1000}  # line\n`,
  ).join(""),
);
const ADAPTIVE = { warmupWireBytes: 256 * 1024, windowBytes: MiB };

/** Writes `data` through a sink and reads the body back with `delayMs` between chunks. */
async function send(data: Buffer, delayMs: number) {
  let sent = 0;
  const sink = createBlockSink((n) => (sent += n), { blockBytes: 256 * 1024, adaptive: ADAPTIVE });
  const body: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of sink.stream) {
      body.push(chunk as Buffer);
      if (delayMs) await sleep(delayMs);
    }
  })();
  for (let at = 0; at < data.length; at += 64 * 1024) {
    await sink.ready();
    sink.write(data.subarray(at, at + 64 * 1024));
  }
  await sink.finish();
  await reading;
  return { body: Buffer.concat(body), sent, compression: sink.compression() };
}

describe("block sink", () => {
  it("keeps compressing when the reader is the slow side", async () => {
    // 50 ms per chunk keeps the reader far slower than level-1 deflate of a 256 KiB block
    // even on a loaded 2-core machine (15 ms was not: the compressor looked like the
    // bottleneck there and the probe ran).
    const r = await send(text, 50);
    expect(gunzipSync(r.body).equals(text)).toBe(true);
    expect(r.sent).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(text.length / 4);
    expect(r.compression).toBeUndefined(); // never probed
  });

  it("drops to stored blocks when the reader takes them faster than they compress", async () => {
    const data = Buffer.concat([text, text, text]);
    const r = await send(data, 0);
    expect(gunzipSync(r.body).equals(data)).toBe(true);
    expect(r.compression).toMatch(
      /^stored: the link took \d+ MiB\/s uncompressed, compressing managed \d+ MiB\/s$/,
    );
    expect(r.body.length).toBeGreaterThan(data.length / 2);
  });
});
