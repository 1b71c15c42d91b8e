// Whether compressing pays, measured while uploading. gzip level 1 costs ~3 ms of CPU per
// MiB of source text on both ends; it pays when the link is the bottleneck (Mello to
// Verda over the internet, an SSH tunnel) and is pure loss when the link outruns the
// compressor (the builder on this machine or a fast LAN), where sending the same gzip
// framing with stored blocks (level 0) is faster. Nothing about a URL says which: a
// loopback address may be a tunnel to another continent. So the sink measures.
//
// It starts compressing. Once the first `warmupWireBytes` are out (enough to fill the
// socket and receiver buffers, which otherwise absorb anything and make every link look
// fast), each window of `windowBytes` of input is judged by where the sender waited: on
// the compressor (the link is idle, waiting for us) or on the link (backpressure). A
// window that mostly waited on the compressor triggers one probe: blocks go stored, and
// once the link pushes back (the buffers the compressed phase left empty are full again;
// until then stored bytes vanish into them at memory speed) a window of them is timed.
// Whichever moved input faster wins for the rest of the upload; if two windows of stored
// blocks never meet any pushback, the link takes them as fast as they are made and stored
// wins. A link that pushes back during compression never triggers the probe, so a slow
// link never pays for one. The tar inside is identical either way, and the builder digests the tar, so
// the choice never changes the upload's digest.

export type GzipMode = "compress" | "probe" | "store";

export interface SentBlock {
  /** The mode the block was dispatched under. */
  mode: GzipMode;
  inputBytes: number;
  wireBytes: number;
  /** ms the sender waited for this block's compression to finish. */
  compressWaitMs: number;
  /** ms the sender waited for the consumer to take more after pushing this block. */
  drainWaitMs: number;
  /** ms timestamp after the block was pushed (and drained, if that was awaited). */
  at: number;
}

export interface AdaptiveLevelOptions {
  warmupWireBytes?: number;
  windowBytes?: number;
}

const MiB = 1024 * 1024;
/**
 * A wait on the consumer this long means the link pushed back. Handing a block to a
 * consumer with room takes microseconds (the stream's read() comes back at once); a
 * full socket holds the sender for as long as the link needs to move the bytes ahead.
 */
const PUSHBACK_MS = 1;

export class AdaptiveLevel {
  private mode: GzipMode;
  private decided: boolean;
  private wireBytes = 0;
  private started = false;
  private warmedUp = false;
  private window = { start: 0, input: 0, compressWait: 0, drainWait: 0 };
  /** Whether the link has pushed back on a stored block of the probe yet. */
  private probeSettled = false;
  private compressRate = 0;
  private storeRate = 0;
  private readonly warmupWireBytes: number;
  private readonly windowBytes: number;

  constructor(
    private readonly level: number,
    options: AdaptiveLevelOptions = {},
  ) {
    this.warmupWireBytes = options.warmupWireBytes ?? 16 * MiB;
    this.windowBytes = options.windowBytes ?? 16 * MiB;
    this.mode = level === 0 ? "store" : "compress";
    this.decided = level === 0;
  }

  /** The mode for the next block dispatched. */
  get current(): GzipMode {
    return this.mode;
  }

  /** The gzip level for the next block dispatched (before the per-block incompressibility check). */
  levelForNext(): number {
    return this.mode === "compress" ? this.level : 0;
  }

  /** What was chosen and why, for the summary: undefined while nothing was measured. */
  describe(): string | undefined {
    if (this.mode === "store" && this.storeRate > 0)
      return `stored: the link took ${rate(this.storeRate)} uncompressed, compressing managed ${rate(this.compressRate)}`;
    if (this.decided && this.storeRate > 0)
      return `compressed: ${rate(this.compressRate)} against ${rate(this.storeRate)} uncompressed`;
    return undefined;
  }

  /** Called by the sender after each block is on its way, in order. */
  sent(block: SentBlock): void {
    this.wireBytes += block.wireBytes;
    if (!this.started || block.mode !== this.mode) {
      // The first block, or one still in flight from before a switch: neither says
      // anything about the current mode; the window starts after it.
      this.started = true;
      this.restartWindow(block.at);
      return;
    }
    const w = this.window;
    w.input += block.inputBytes;
    w.compressWait += block.compressWaitMs;
    w.drainWait += block.drainWaitMs;
    if (this.decided) return;
    if (!this.warmedUp) {
      // Judge only windows that start once the buffers have had their fill.
      if (this.wireBytes >= this.warmupWireBytes) {
        this.warmedUp = true;
        this.restartWindow(block.at);
      }
      return;
    }
    const unsettledProbe = this.mode === "probe" && !this.probeSettled;
    if (unsettledProbe && block.drainWaitMs >= PUSHBACK_MS) {
      // The link pushed back: the buffers are full, so from here it is the link being timed.
      this.probeSettled = true;
      this.restartWindow(block.at);
      return;
    }
    if (w.input < (unsettledProbe ? 2 * this.windowBytes : this.windowBytes)) return;
    const elapsed = Math.max(block.at - w.start, 1);
    const inputRate = (w.input / elapsed) * 1000;
    if (this.mode === "compress") {
      const compressorBound = w.compressWait > w.drainWait && w.compressWait > elapsed / 4;
      if (compressorBound) {
        this.compressRate = inputRate;
        this.mode = "probe";
      }
    } else {
      this.storeRate = inputRate;
      this.mode = this.storeRate > this.compressRate ? "store" : "compress";
      this.decided = true;
    }
    this.restartWindow(block.at);
  }

  private restartWindow(at: number): void {
    this.window = { start: at, input: 0, compressWait: 0, drainWait: 0 };
  }
}

function rate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / MiB).toFixed(0)} MiB/s`;
}
