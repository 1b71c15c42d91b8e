import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { BodyMeter, hasGzipMagic, peekHead } from "../../../builder/src/source/upload-stream.js";

async function collect(stream: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c as Buffer);
  return Buffer.concat(out);
}

const b = (...bytes: number[]) => Buffer.from(bytes);

describe("peekHead", () => {
  it.each<[string, Buffer[], number[]]>([
    ["gzip magic split over two chunks", [b(0x1f), b(0x8b, 8, 0), b(1, 2)], [0x1f, 0x8b, 8, 0]],
    ["a first chunk longer than wanted", [b(1, 2, 3, 4), b(5)], [1, 2, 3, 4]],
    ["a body shorter than wanted", [b(7)], [7]],
    ["an empty body", [], []],
  ])("%s: returns the head and a body that still yields every byte", async (_what, chunks, head) => {
    const peeked = await peekHead(Readable.from(chunks), 2);
    expect([...peeked.head]).toEqual(head);
    expect(await collect(peeked.body)).toEqual(Buffer.concat(chunks));
  });

  it("rejects with the signal's reason when aborted before any byte arrives, and destroys the input", async () => {
    const input = new Readable({ read() {} });
    const ac = new AbortController();
    const p = peekHead(input, 2, ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(input.destroyed).toBe(true);
  });

  it("rejects at once when the signal is already aborted", async () => {
    await expect(peekHead(Readable.from([b(1, 2)]), 2, AbortSignal.abort())).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("rejects with the input's error", async () => {
    const input = new Readable({
      read() {
        this.destroy(new Error("connection reset"));
      },
    });
    await expect(peekHead(input, 2)).rejects.toThrow("connection reset");
  });
});

describe("hasGzipMagic", () => {
  it.each<[number[], boolean]>([
    [[0x1f, 0x8b], true],
    [[0x1f, 0x8b, 8], true],
    [[0x1f], false],
    [[0x8b, 0x1f], false],
    [[], false],
  ])("%j -> %s", (bytes, gzip) => {
    expect(hasGzipMagic(Buffer.from(bytes))).toBe(gzip);
  });
});

describe("BodyMeter", () => {
  it("passes every byte through and hashes and counts them", async () => {
    const chunks = [Buffer.from("hello "), Buffer.alloc(100_000, 7), Buffer.from("world")];
    const meter = new BodyMeter(200_000);
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), meter, async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) out.push(c);
    });
    const all = Buffer.concat(chunks);
    expect(Buffer.concat(out)).toEqual(all);
    expect(meter.bytes).toBe(all.length);
    expect(meter.digest()).toBe(createHash("sha256").update(all).digest("hex"));
  });

  it.each([
    [10, [5, 5], null],
    [10, [5, 6], "the upload is larger than the limit of 10 bytes (BUILDER_MAX_UPLOAD_BYTES)"],
    [0, [1], "the upload is larger than the limit of 0 bytes (BUILDER_MAX_UPLOAD_BYTES)"],
  ])("limit %d with chunks %j -> %s", async (limit, sizes, message) => {
    const run = pipeline(
      Readable.from(sizes.map((n) => Buffer.alloc(n))),
      new BodyMeter(limit),
      async (src: AsyncIterable<Buffer>) => {
        for await (const c of src) void c;
      },
    );
    if (message === null) await expect(run).resolves.toBeUndefined();
    else await expect(run).rejects.toMatchObject({ name: "UploadError", message, status: 413 });
  });
});
