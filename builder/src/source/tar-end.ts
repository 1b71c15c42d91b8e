// Where a tar archive ends. GNU tar stops reading at the end-of-archive marker (zero
// blocks where a header is due) and ignores what follows; tar-stream instead decodes every
// following 512-byte block as a header, at ~25 µs each on the event loop. Zero padding
// after a small archive, inflated from a small gzip body, would then cost a second of
// main-thread CPU per 40 MB (80 s at the 2 GiB default) in slices long enough to stall
// /healthz. This stage sits in front of the parser and stops feeding it once no entry has
// started for longer than any header can be: the rest is still counted and hashed (the
// meters are in front of it) but never parsed.
import { Transform, type TransformCallback } from "node:stream";

/** tar-stream refuses a pax or GNU long header past 4 MiB; buffers between here and it are far smaller. */
const NO_ENTRY_LIMIT = 8 * 1024 * 1024;
const BLOCK = 512;

export class TarEndCutter extends Transform {
  private forwarded = 0;
  private nextHeaderAt = 0;
  private cut = false;

  constructor(highWaterMark: number) {
    super({ readableHighWaterMark: highWaterMark, writableHighWaterMark: highWaterMark });
  }

  /** An entry started (tar-stream's header): its data ends, and the next header is due, here. */
  entryStarted(header: { byteOffset?: number; size?: number | null }): void {
    const dataAt = header.byteOffset ?? this.nextHeaderAt;
    this.nextHeaderAt = dataAt + Math.ceil((header.size ?? 0) / BLOCK) * BLOCK;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.cut) return cb();
    if (this.forwarded - this.nextHeaderAt > NO_ENTRY_LIMIT) {
      // Past the end of the archive: pass up to a block boundary (the parser must end on
      // whole blocks) and nothing after it.
      this.cut = true;
      const aligned = Math.ceil(this.forwarded / BLOCK) * BLOCK - this.forwarded;
      if (aligned > 0) this.push(chunk.subarray(0, aligned));
      return cb();
    }
    this.forwarded += chunk.length;
    cb(null, chunk);
  }
}
