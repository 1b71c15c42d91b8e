import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { IndexedGunzip } from "../../../builder/src/source/indexed-gunzip.js";
import { UploadError } from "../../../builder/src/source/source-error.js";
import { encodeIndexedHeader, parseIndexedHeader } from "../../../common/indexed-gzip.js";
import { deflatedMember, storedMember } from "../../../trigger/src/context/gzip-member.js";

const text = Buffer.from("def step(x):\n    return x * 7 + 3  # a line of source\n".repeat(40_000));

/** Blocks of `data`, alternately stored and deflated, as the trigger would send them. */
async function members(data: Buffer, blockBytes: number): Promise<{ body: Buffer; parts: Buffer[] }> {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; at += blockBytes, i++) {
    const block = data.subarray(at, at + blockBytes);
    parts.push(i % 2 === 0 ? storedMember(block) : await deflatedMember(block, 1));
  }
  return { body: Buffer.concat(parts), parts };
}

/** Feeds `body` in chunks of the given sizes (cycled) through an IndexedGunzip. */
async function decode(body: Buffer, sizes: number[], concurrency?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = sizes[i % sizes.length]!;
    chunks.push(body.subarray(at, at + n));
    at += n;
  }
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new IndexedGunzip(concurrency ? { concurrency } : {}),
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

describe("indexed gzip members", () => {
  const data = Buffer.concat([text, randomBytes(300_000), text.subarray(0, 123_457)]);

  it("are one valid gzip file to any gunzip", async () => {
    const { body } = await members(data, 256 * 1024);
    expect(gunzipSync(body).equals(data)).toBe(true);
    expect(parseIndexedHeader(body)).toMatchObject({ kind: "indexed", memberBytes: expect.any(Number) });
  });

  it.each([
    ["whole", [1 << 30], 4],
    ["socket-sized chunks", [65536], 4],
    ["odd chunks that split headers, block headers and trailers", [1, 3, 5, 7, 11, 4093, 20, 2], 2],
    ["one byte at a time through the small members", [1], 1],
  ])("decode from %s, in order, byte for byte", async (_name, sizes, concurrency) => {
    const input = sizes[0] === 1 && sizes.length === 1 ? data.subarray(0, 200_000) : data;
    const { body } = await members(input, sizes[0] === 1 && sizes.length === 1 ? 70_000 : 256 * 1024);
    expect((await decode(body, sizes, concurrency)).equals(input)).toBe(true);
  });

  it("ignore the padding bits of a stored block's header, as RFC 1951 does", async () => {
    const body = storedMember(text.subarray(0, 1000));
    body[21] = body[21]! | 0xf8; // BFINAL 1, BTYPE 00, padding all ones
    expect((await decode(body, [5])).equals(text.subarray(0, 1000))).toBe(true);
  });

  it("store an empty block and a block of exactly one stored-block length", async () => {
    const body = Buffer.concat([storedMember(Buffer.alloc(0)), storedMember(text.subarray(0, 0xffff))]);
    expect((await decode(body, [7])).equals(text.subarray(0, 0xffff))).toBe(true);
    expect(gunzipSync(body).length).toBe(0xffff);
  });

  const corrupt: [string, (b: Buffer, parts: Buffer[]) => Buffer, RegExp][] = [
    ["a flipped data byte in a stored member", (b) => flip(b, 21 + 5 + 10), /member 1: CRC-32 mismatch/],
    [
      "a flipped byte in a deflated member's trailer",
      (b, p) => flip(b, p[0]!.length + p[1]!.length - 8),
      /member 2: CRC-32 mismatch/,
    ],
    ["a wrong ISIZE", (b, p) => flip(b, p[0]!.length - 3), /member 1: size mismatch/],
    [
      "a broken stored length check",
      (b) => flip(b, 21 + 3),
      /member 1: a stored block's length check failed/,
    ],
    [
      "a compressed block in a stored member",
      (b) => setByte(b, 21, 0x02),
      /member 1: a block in a stored member is not stored/,
    ],
    ["a truncated body", (b) => b.subarray(0, b.length - 5), /unexpected end of file/],
    [
      "a cut right after a member",
      (b, p) => b.subarray(0, p[0]!.length + 30),
      /member 2: unexpected end of file/,
    ],
    [
      "a plain gzip member after indexed ones",
      (b) => Buffer.concat([b, gzipSync(Buffer.from("x"))]),
      /member 4: a member without the size index the first one had/,
    ],
    [
      "a member size beyond the limit",
      (b) => Buffer.concat([encodeIndexedHeader(64 * 1024 * 1024, 0), b.subarray(21)]),
      /member 1: a member size of 67108864 bytes is out of range/,
    ],
    [
      "a member size that does not match its blocks",
      (b, p) => Buffer.concat([encodeIndexedHeader(p[0]!.length + 1, 0), b.subarray(21)]),
      /member 1: (the member's size does not match its blocks|stored blocks run past)/,
    ],
    [
      "an inflated size claimed past the limit",
      (b, p) => setU32(b, p[0]!.length + p[1]!.length - 4, 512 * 1024 * 1024),
      /member 2: it claims 536870912 bytes inflated/,
    ],
    [
      "junk after the deflate data inside a member",
      (_b, p) => {
        const m = p[1]!;
        const junk = Buffer.from("junk");
        const grown = Buffer.concat([
          encodeIndexedHeader(m.length + junk.length, 1),
          m.subarray(21, m.length - 8),
          junk,
          m.subarray(m.length - 8),
        ]);
        return Buffer.concat([p[0]!, grown, p[2]!]);
      },
      /member 2: 4 bytes after the deflate data/,
    ],
    [
      "a member that inflates past the size in its trailer",
      (b, p) => setU32(b, p[0]!.length + p[1]!.length - 4, 3),
      /member 2: it inflates past the size in its trailer/,
    ],
    [
      "a header far longer than an indexed one",
      (_b, p) => {
        const h = Buffer.alloc(12);
        h.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff]);
        h.writeUInt16LE(2000, 10);
        return Buffer.concat([p[0]!, h, Buffer.alloc(2000)]);
      },
      /member 2: a 2012-byte header, where indexed members have 21/,
    ],
    [
      "trailing garbage",
      (b) => Buffer.concat([b, Buffer.from("garbage!garbage!")]),
      /member 4: a member without the size index/,
    ],
  ];

  it.each(corrupt)("reject %s with a 400 that says why", async (_name, mangle, message) => {
    const { body, parts } = await members(data.subarray(0, 600_000), 200_000);
    const err = await decode(mangle(Buffer.from(body), parts), [4096]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect((err as UploadError).status).toBe(400);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/^the upload is not a valid gzip stream/);
  });
});

function flip(b: Buffer, at: number): Buffer {
  b[at] = b[at]! ^ 0xff;
  return b;
}
function setByte(b: Buffer, at: number, v: number): Buffer {
  b[at] = v;
  return b;
}
function setU32(b: Buffer, at: number, v: number): Buffer {
  b.writeUInt32LE(v, at);
  return b;
}
