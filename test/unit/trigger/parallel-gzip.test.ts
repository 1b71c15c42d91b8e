import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { chooseBlockLevel, createParallelGzip } from "../../../trigger/src/context/parallel-gzip.js";

const text = Buffer.from("def step(x):\n    return x * 7 + 3  # a line of source\n".repeat(20_000));

describe("chooseBlockLevel", () => {
  it.each([
    ["source text keeps the level", text.subarray(0, 1 << 20), 1, 1],
    ["random bytes are stored", randomBytes(1 << 20), 1, 0],
    ["a random start is stored even if text follows", Buffer.concat([randomBytes(64 << 10), text]), 1, 0],
    ["a tiny block keeps the level", randomBytes(100), 1, 1],
    ["level 0 stays 0", text, 0, 0],
    ["another level is kept for text", text, 6, 6],
  ])("%s", (_name, block, level, expected) => {
    expect(chooseBlockLevel(block, level)).toBe(expected);
  });
});

describe("createParallelGzip", () => {
  it("gives one gzip stream with the same bytes for mixed text and random blocks, in order", async () => {
    const parts = [text, randomBytes(3 << 20), text.subarray(5), randomBytes(12345)];
    // Odd chunk sizes so blocks straddle the parts.
    const input = Buffer.concat(parts);
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += 300_007) chunks.push(input.subarray(i, i + 300_007));
    const out = await buffer(Readable.from(chunks).pipe(createParallelGzip({ blockBytes: 1 << 20 })));
    expect(gunzipSync(out).equals(input)).toBe(true);
    // Text compressed (a block that starts in random data is stored whole, text tail and all).
    expect(out.length).toBeLessThan(3 * (1 << 20) + 12345 + text.length);
  });

  it("emits a valid empty gzip for no input", async () => {
    const out = await buffer(Readable.from([]).pipe(createParallelGzip()));
    expect(gunzipSync(out).length).toBe(0);
  });
});
