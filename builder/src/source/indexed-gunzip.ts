// The reader for indexed gzip members (common/indexed-gzip.ts), what the trigger sends.
// Stored members are passed through as slices of the bytes that arrived (a CRC-32 over
// them, no copy, no thread-pool round trip per 64 KiB socket read); deflate members are
// whole by their size, so several inflate on the thread pool at once and come out in
// order. Every member's CRC-32 and size are checked as gunzip would. Bodies without the
// index take createGunzip (upload.ts decides from the first header).
import { availableParallelism } from "node:os";
import { Transform, type TransformCallback } from "node:stream";
import { promisify } from "node:util";
import { crc32, inflateRaw as inflateRawCallback } from "node:zlib";
import {
  MAX_MEMBER_BYTES,
  MEMBER_KIND,
  parseIndexedHeader,
  TRAILER_BYTES,
} from "../../../common/indexed-gzip.js";
import { UploadError } from "./source-error.js";
import { errorMessage } from "../../../common/errors.js";

const inflateRaw = promisify(inflateRawCallback);

/** The 400 for a gzip body that is not valid, naming the member (1-based index given 0-based). */
export function invalidGzip(why: string, member: number): UploadError {
  return new UploadError(
    `the upload is not a valid gzip stream (member ${member + 1}: ${why}); send a tar or tar.gz archive`,
  );
}

/** Bytes received and not yet consumed, as the chunks they came in. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /**
   * The first `n` bytes (at most `length`) without consuming them. When they span chunks,
   * just those chunks are merged into one that stays first, so peeking again as more
   * arrive costs a copy of `n` bytes, not of everything queued.
   */
  peek(n: number): Buffer {
    const want = Math.min(n, this.length);
    let first = this.chunks[0]!;
    if (first.length < want) {
      let k = 0;
      let got = 0;
      while (got < want) got += this.chunks[k++]!.length;
      first = Buffer.concat(this.chunks.slice(0, k), got);
      this.chunks.splice(0, k, first);
    }
    return first.subarray(0, want);
  }

  /** Consumes exactly `n` bytes (callers check `length` first). */
  take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return this.takeUpTo(n);
    const out = Buffer.allocUnsafe(n);
    for (let at = 0; at < n;) at += this.takeUpTo(n - at).copy(out, at);
    return out;
  }

  /** Consumes up to `n` bytes from the first chunk, without copying. */
  takeUpTo(n: number): Buffer {
    const first = this.chunks[0]!;
    const out = first.length <= n ? first : first.subarray(0, n);
    if (out === first) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.length -= out.length;
    return out;
  }
}

type State =
  | { at: "header" }
  | { at: "stored-block"; deflateLeft: number }
  | { at: "stored-data"; deflateLeft: number; blockLeft: number; final: boolean }
  | { at: "trailer" }
  /** A deflated member is gathered whole (deflate data and trailer) into one buffer as it arrives. */
  | { at: "deflate"; member: Buffer; filled: number };

/** Indexed headers are 21 bytes; a longer one is refused before it is waited for. */
const MAX_HEADER_BYTES = 1024;

export class IndexedGunzip extends Transform {
  private readonly queue = new ByteQueue();
  private state: State = { at: "header" };
  private members = 0;
  private crc = 0;
  private size = 0;
  private readonly inflating: Promise<Buffer>[] = [];
  private readonly concurrency: number;
  /** Bytes this stream has produced or started inflating: never more than maxOutputBytes. */
  private output = 0;
  private readonly maxOutputBytes: number;

  constructor(options: { highWaterMark?: number; concurrency?: number; maxOutputBytes?: number } = {}) {
    super({ readableHighWaterMark: options.highWaterMark, writableHighWaterMark: options.highWaterMark });
    this.concurrency = options.concurrency ?? Math.max(1, Math.min(4, availableParallelism()));
    this.maxOutputBytes = options.maxOutputBytes ?? Infinity;
  }

  /**
   * Counts output before it is made: a member is refused before it is inflated when its
   * trailer's size would take the total past the limit, so a bomb costs no more inflating
   * than the limit allows (the trailer is checked against the real output afterwards).
   */
  private reserve(bytes: number): void {
    this.output += bytes;
    if (this.output > this.maxOutputBytes) {
      throw new UploadError(
        `the upload inflates to more than the limit of ${this.maxOutputBytes} bytes (BUILDER_MAX_UPLOAD_BYTES); it was stopped there`,
        { status: 413 },
      );
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.queue.push(chunk);
    this.consume().then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    this.finish().then(() => cb(), cb);
  }

  private async finish(): Promise<void> {
    await this.consume();
    await this.emitInflated(0);
    if (this.state.at !== "header" || this.queue.length > 0 || this.members === 0)
      throw this.invalid("unexpected end of file");
  }

  private invalid(why: string, member = this.members): UploadError {
    return invalidGzip(why, member);
  }

  /** Pushes inflated members in order until at most `keep` are in flight. */
  private async emitInflated(keep: number): Promise<void> {
    while (this.inflating.length > keep) this.push(await this.inflating.shift()!);
  }

  private async consume(): Promise<void> {
    const q = this.queue;
    for (;;) {
      const s = this.state;
      switch (s.at) {
        case "header": {
          if (q.length === 0) return;
          let h;
          try {
            h = parseIndexedHeader(q.peek(64));
          } catch (err) {
            throw this.invalid(errorMessage(err));
          }
          if (h.kind === "more") {
            if (h.need > MAX_HEADER_BYTES)
              throw this.invalid(`a ${h.need}-byte header, where indexed members have 21`);
            if (q.length < h.need) return;
            h = parseIndexedHeader(q.peek(h.need));
            if (h.kind === "more") throw this.invalid("a header longer than it says");
          }
          if (h.kind === "plain") throw this.invalid("a member without the size index the first one had");
          if (q.length < h.headerBytes) return;
          q.take(h.headerBytes);
          const deflateBytes = h.memberBytes - h.headerBytes - TRAILER_BYTES;
          this.crc = 0;
          this.size = 0;
          this.state =
            h.member === MEMBER_KIND.stored
              ? { at: "stored-block", deflateLeft: deflateBytes }
              : { at: "deflate", member: Buffer.allocUnsafe(deflateBytes + TRAILER_BYTES), filled: 0 };
          break;
        }
        case "stored-block": {
          if (q.length < 5) return;
          const b = q.take(5);
          const len = b.readUInt16LE(1);
          // BTYPE (bits 1-2) must be 00; the rest of the byte is padding, ignored (RFC 1951 §3.2.4).
          if ((b[0]! & 6) !== 0) throw this.invalid("a block in a stored member is not stored");
          if ((len ^ b.readUInt16LE(3)) !== 0xffff)
            throw this.invalid("a stored block's length check failed");
          const deflateLeft = s.deflateLeft - 5 - len;
          if (deflateLeft < 0) throw this.invalid("stored blocks run past the member's size");
          await this.emitInflated(0); // members come out in order
          this.state = { at: "stored-data", deflateLeft, blockLeft: len, final: (b[0]! & 1) === 1 };
          break;
        }
        case "stored-data": {
          while (s.blockLeft > 0 && q.length > 0) {
            const data = q.takeUpTo(s.blockLeft);
            this.reserve(data.length);
            s.blockLeft -= data.length;
            this.crc = crc32(data, this.crc);
            this.size += data.length;
            this.push(data);
          }
          if (s.blockLeft > 0) return;
          if (!s.final) this.state = { at: "stored-block", deflateLeft: s.deflateLeft };
          else if (s.deflateLeft !== 0) throw this.invalid("the member's size does not match its blocks");
          else this.state = { at: "trailer" };
          break;
        }
        case "trailer": {
          if (q.length < TRAILER_BYTES) return;
          const t = q.take(TRAILER_BYTES);
          this.check(t, this.crc, this.size);
          this.members++;
          this.state = { at: "header" };
          break;
        }
        case "deflate": {
          while (s.filled < s.member.length && q.length > 0)
            s.filled += q.takeUpTo(s.member.length - s.filled).copy(s.member, s.filled);
          if (s.filled < s.member.length) return;
          this.startInflate(s.member);
          this.members++;
          this.state = { at: "header" };
          await this.emitInflated(this.concurrency - 1);
          break;
        }
      }
    }
  }

  /** Inflates one member's deflate data (its trailer is the last 8 bytes) on the thread pool. */
  private startInflate(whole: Buffer): void {
    const data = whole.subarray(0, whole.length - TRAILER_BYTES);
    const trailer = whole.subarray(whole.length - TRAILER_BYTES);
    const expected = trailer.readUInt32LE(4);
    // The writer's members hold 1 MiB; the bound keeps a hostile size from sizing a buffer.
    if (expected > MAX_MEMBER_BYTES) throw this.invalid(`it claims ${expected} bytes inflated`);
    this.reserve(expected);
    const member = this.members;
    const opts = { chunkSize: Math.max(expected, 1024), maxOutputLength: Math.max(expected, 1), info: true };
    const inflating = inflateRaw(data, opts).then(
      (result) => {
        const { buffer: out, engine } = result as unknown as {
          buffer: Buffer;
          engine: { bytesWritten: number };
        };
        // inflateRaw stops at the final block; anything after it inside the member is not deflate.
        if (engine.bytesWritten !== data.length)
          throw this.invalid(`${data.length - engine.bytesWritten} bytes after the deflate data`, member);
        this.check(trailer, crc32(out), out.length, member);
        return out;
      },
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ERR_BUFFER_TOO_LARGE")
          throw this.invalid("it inflates past the size in its trailer", member);
        throw this.invalid(err.message, member);
      },
    );
    inflating.catch(() => undefined); // reported when its turn comes
    this.inflating.push(inflating);
  }

  private check(trailer: Buffer, crc: number, size: number, member = this.members): void {
    if (trailer.readUInt32LE(0) !== crc >>> 0) throw this.invalid("CRC-32 mismatch", member);
    if (trailer.readUInt32LE(4) !== size >>> 0) throw this.invalid("size mismatch", member);
  }
}
