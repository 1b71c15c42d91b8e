// The packer's output: bytes are written straight into fixed blocks (file reads land in
// them with no intermediate buffer), each full block is gzipped as its own member on
// libuv's thread pool (see parallel-gzip.ts for why that is one valid gzip file), and the
// members are pushed in order onto a Readable, the request body. Each block's level comes
// from adaptive-level.ts (compress unless the link outruns the compressor) and, when
// compressing, from whether its start compresses at all. Blocks are recycled
// once compressed, so a 500 MiB upload allocates a handful of input buffers, not one per
// read chunk plus a concatenation per block (that churn was ~0.6 s of GC on the main
// thread, the largest single cost in a CPU profile of the old tar-stream pipe).
import { availableParallelism } from "node:os";
import { Readable } from "node:stream";
import { AdaptiveLevel, type AdaptiveLevelOptions, type GzipMode } from "./adaptive-level.js";
import { deflatedMember, storedMember } from "./gzip-member.js";
import { chooseBlockLevel } from "./parallel-gzip.js";

export interface BlockSink {
  stream: Readable;
  /** Copies `bytes` in (headers, padding); call ready() before writing much more. */
  write(bytes: Buffer): void;
  /** Room in the current block for up to `max` bytes, to read into; then commit(n). */
  space(max: number): { buffer: Buffer; offset: number; length: number };
  commit(n: number): void;
  /** Resolves once fewer than `concurrency` blocks are waiting to be sent. */
  ready(): Promise<void>;
  /** Sends the last partial block and ends the stream once every block is sent. */
  finish(): Promise<void>;
  destroy(err: Error): void;
  /** Whether compressing was kept or dropped, and why (adaptive-level.ts); undefined if never measured. */
  compression(): string | undefined;
}

export interface BlockSinkOptions {
  blockBytes?: number;
  concurrency?: number;
  level?: number;
  adaptive?: AdaptiveLevelOptions;
}

interface QueuedBlock {
  out: Promise<Buffer>;
  inputBytes: number;
  mode: GzipMode;
}

export function createBlockSink(onSent: (bytes: number) => void, options: BlockSinkOptions = {}): BlockSink {
  const blockBytes = options.blockBytes ?? 1024 * 1024;
  const concurrency = options.concurrency ?? Math.max(1, Math.min(4, availableParallelism()));
  const adaptive = new AdaptiveLevel(options.level ?? 1, options.adaptive);
  const pool: Buffer[] = [];
  const queue: QueuedBlock[] = [];
  let waiters: (() => void)[] = [];
  let current: Buffer | undefined;
  let used = 0;
  let failed: Error | undefined;
  let drained: (() => void) | undefined;
  let pumping: Promise<void> = Promise.resolve();

  const stream = new Readable({
    read() {
      drained?.();
      drained = undefined;
    },
  });
  // The caller learns of a failure through the packer's `done`; a consumer that reads the
  // body (undici) sees the stream destroyed. Without a listener of our own, a failure
  // before the consumer attached one would be an uncaught 'error' event.
  stream.on("error", () => undefined);
  const wake = () => {
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  };
  const fail = (err: Error) => {
    failed ??= err;
    wake();
    drained?.();
  };
  // The consumer went away (request aborted, error): the producer stops at its next ready().
  stream.once("close", () => fail(new Error("the upload stream was closed before the context was packed")));

  // Where the sender waits is what the adaptive level goes by: on a compression (the link
  // is idle, waiting for us) or on the consumer (the link pushes back).
  const pump = async () => {
    while (queue.length && !failed) {
      const head = queue[0]!;
      const t0 = performance.now();
      const out = await head.out;
      const t1 = performance.now();
      onSent(out.length);
      if (!stream.push(out)) await new Promise<void>((resolve) => (drained = resolve));
      const t2 = performance.now();
      queue.shift();
      adaptive.sent({
        mode: head.mode,
        inputBytes: head.inputBytes,
        wireBytes: out.length,
        compressWaitMs: t1 - t0,
        drainWaitMs: t2 - t1,
        at: t2,
      });
      wake();
    }
  };
  const dispatch = () => {
    const block = current!;
    const view = block.subarray(0, used);
    current = undefined;
    used = 0;
    const mode = adaptive.current;
    const level = chooseBlockLevel(view, adaptive.levelForNext());
    // Stored: framed here, on this thread, at memcpy speed. Deflate: on the thread pool,
    // in one output chunk (zlib's default 16 KiB chunks meant dozens of callbacks a block).
    const out = (level === 0 ? Promise.resolve(storedMember(view)) : deflatedMember(view, level)).then(
      (member) => {
        pool.push(block);
        return member;
      },
    );
    out.catch(() => undefined); // reported by pump(); one left queued after a failure must not be unhandled
    queue.push({ out, inputBytes: view.length, mode });
    if (queue.length === 1)
      pumping = pump().catch((err: Error) => {
        fail(err);
        stream.destroy(err);
      });
  };
  const take = (): Buffer => (current ??= pool.pop() ?? Buffer.allocUnsafeSlow(blockBytes));

  return {
    stream,
    write(bytes) {
      for (let at = 0; at < bytes.length;) {
        const n = bytes.copy(take(), used, at);
        used += n;
        at += n;
        if (used === blockBytes) dispatch();
      }
    },
    space(max) {
      return { buffer: take(), offset: used, length: Math.min(max, blockBytes - used) };
    },
    commit(n) {
      used += n;
      if (used === blockBytes) dispatch();
    },
    async ready() {
      while (queue.length >= concurrency && !failed)
        await new Promise<void>((resolve) => waiters.push(resolve));
      if (failed) throw failed;
    },
    async finish() {
      if (used > 0) dispatch();
      while (queue.length && !failed) {
        await pumping;
      }
      if (failed) throw failed;
      stream.push(null);
    },
    destroy(err) {
      fail(err);
      stream.destroy(err);
    },
    compression: () => adaptive.describe(),
  };
}
