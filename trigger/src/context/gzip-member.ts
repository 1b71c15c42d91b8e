// One block of the upload as one indexed gzip member (common/indexed-gzip.ts): stored
// blocks written here, or deflate on libuv's thread pool; either way the header says the
// member's size and kind, so the builder can split the body without inflating it.
import { promisify } from "node:util";
import { crc32, deflateRaw as deflateRawCallback } from "node:zlib";
import {
  encodeIndexedHeader,
  encodeTrailer,
  INDEXED_HEADER_BYTES,
  MEMBER_KIND,
  STORED_BLOCK_MAX,
  TRAILER_BYTES,
} from "../../../common/indexed-gzip.js";

const deflateRaw = promisify(deflateRawCallback);

/** `data` as a member of stored deflate blocks, copied into one new buffer (the caller recycles `data`). */
export function storedMember(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK_MAX));
  const size = INDEXED_HEADER_BYTES + blocks * 5 + data.length + TRAILER_BYTES;
  const out = Buffer.allocUnsafeSlow(size);
  encodeIndexedHeader(size, MEMBER_KIND.stored).copy(out, 0);
  let at = INDEXED_HEADER_BYTES;
  for (let i = 0, from = 0; i < blocks; i++) {
    const len = Math.min(STORED_BLOCK_MAX, data.length - from);
    out[at] = i === blocks - 1 ? 1 : 0; // BFINAL on the last; BTYPE 00 (stored); byte-aligned
    out.writeUInt16LE(len, at + 1);
    out.writeUInt16LE(~len & 0xffff, at + 3);
    at += 5;
    at += data.copy(out, at, from, from + len);
    from += len;
  }
  encodeTrailer(crc32(data), data.length).copy(out, at);
  return out;
}

/**
 * `data` deflated at `level` on the thread pool, as one member. Resolves once `data` is no
 * longer read (the caller may recycle it then). zlib's output buffer is sized for the
 * worst case (incompressible data grows a little) so the result comes back in one piece.
 */
export async function deflatedMember(data: Buffer, level: number): Promise<Buffer> {
  const sum = crc32(data);
  const body = await deflateRaw(data, { level, chunkSize: data.length + 4096 });
  const size = INDEXED_HEADER_BYTES + body.length + TRAILER_BYTES;
  return Buffer.concat(
    [encodeIndexedHeader(size, MEMBER_KIND.deflate), body, encodeTrailer(sum, data.length)],
    size,
  );
}
