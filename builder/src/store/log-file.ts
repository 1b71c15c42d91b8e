// The build log on disk: one JSON LogLine per line (NDJSON), appended with O_APPEND
// in one write per batch so concurrent readers (and NFS clients of other replicas)
// only ever see whole batches appended at the end. Each append opens and closes the
// file because NFS flushes to the server on close (close-to-open consistency).
import { open } from "node:fs/promises";
import type { LogLine } from "../../../common/build-record.js";
import { parseLogLine } from "./log-line.js";
import { resolveParsed } from "./log-pages.js";

export { parseLogLine, resolveStoredJson } from "./log-line.js";
export { iterateLogPages, iterateLogRange, LOG_PAGE_BYTES } from "./log-pages.js";

/** Appends `text` (whole lines) with one O_APPEND write; returns the file size after it. */
export async function appendText(file: string, text: string): Promise<number> {
  const fh = await open(file, "a", 0o644);
  try {
    await fh.write(text);
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

export interface LogTail {
  /** Highest seq in the file (0 when empty or absent). */
  lastSeq: number;
  size: number;
  /** False when a crash left a partial last line; the next append starts a new line. */
  endsWithNewline: boolean;
}

const TAIL_CHUNK = 64 * 1024;

/** Reads the end of the log to find the last seq, without reading the whole file. */
export async function resolveLogTail(file: string): Promise<LogTail> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      return { lastSeq: 0, size: 0, endsWithNewline: true };
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    let end = size;
    let carry = "";
    let endsWithNewline = true;
    while (end > 0) {
      const start = Math.max(0, end - TAIL_CHUNK);
      const buf = Buffer.alloc(end - start);
      await fh.read(buf, 0, buf.length, start);
      const text = buf.toString("utf8") + carry;
      if (end === size) endsWithNewline = text.endsWith("\n");
      const lines = text.split("\n");
      carry = start > 0 ? (lines.shift() ?? "") : "";
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = parseLogLine(lines[i]!);
        if (line) return { lastSeq: line.seq, size, endsWithNewline };
      }
      end = start;
    }
    if (carry) {
      const line = parseLogLine(carry);
      if (line) return { lastSeq: line.seq, size, endsWithNewline };
    }
    return { lastSeq: 0, size, endsWithNewline };
  } finally {
    await fh.close();
  }
}

const SEEK_PAGE = 64 * 1024;

/** The seq of the first whole, parseable line starting in `buf` after its first newline. */
function firstSeqAfterNewline(buf: Buffer): { at: number; seq: number } | undefined {
  let at = buf.indexOf(0x0a);
  while (at >= 0 && at < buf.length - 1) {
    const next = buf.indexOf(0x0a, at + 1);
    if (next < 0) return undefined; // the line runs past the page: cannot tell from here
    const line = parseLogLine(buf.subarray(at + 1, next).toString("utf8"));
    if (line) return { at: at + 1, seq: line.seq };
    at = next;
  }
  return undefined;
}

/**
 * A line-start offset at or before the first line with seq > afterSeq, found by bisecting
 * the file (seqs grow with the offset) in a few page reads, so resuming a long log from
 * Last-Event-ID does not parse everything before it. 0 when it cannot do better.
 */
export async function resolveSeqOffset(file: string, afterSeq: number): Promise<number> {
  if (afterSeq <= 0) return 0;
  let fh;
  try {
    fh = await open(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  try {
    let lo = 0; // always the start of a line whose seq is <= afterSeq (or of the file)
    let hi = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(SEEK_PAGE);
    while (hi - lo > SEEK_PAGE) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const { bytesRead } = await fh.read(buf, 0, SEEK_PAGE, mid);
      const found = firstSeqAfterNewline(buf.subarray(0, bytesRead));
      if (found && found.seq <= afterSeq) lo = mid + found.at;
      else hi = mid;
    }
    return lo;
  } finally {
    await fh.close();
  }
}

export interface LogChunk {
  lines: LogLine[];
  /** Offset just past the last complete line read; a partial trailing line is left for next time. */
  offset: number;
  /** True when the read reached the end of the file as it was when opened. */
  eof: boolean;
}

/** The longest line a follower can receive; a longer one is skipped rather than stall every follower. */
const MAX_LINE_WINDOW = 4 * 1024 * 1024;

/**
 * Reads whatever complete lines were appended since `offset`, at most `maxBytes` of them
 * (more when a single line is longer, up to 4 MiB). Opening the file each time (rather
 * than stat on a path) makes an NFS client revalidate its attribute cache, so growth
 * written by another replica is seen promptly.
 */
export async function readLogFrom(
  file: string,
  offset: number,
  maxBytes = MAX_LINE_WINDOW,
): Promise<LogChunk> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { lines: [], offset, eof: true };
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    if (size <= offset) return { lines: [], offset, eof: true };
    const buf = Buffer.alloc(Math.min(size - offset, maxBytes));
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    const eof = offset + bytesRead >= size;
    const lastNewline = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (lastNewline < 0) {
      if (bytesRead === maxBytes && maxBytes < MAX_LINE_WINDOW)
        return readLogFrom(file, offset, Math.min(MAX_LINE_WINDOW, maxBytes * 4));
      // A line longer than the largest window can never complete within it; skip past it
      // (its pieces fail to parse and are dropped) rather than stall every follower.
      return { lines: [], offset: bytesRead === maxBytes ? offset + bytesRead : offset, eof };
    }
    // Pollers of one log (one per replica and follow session) read the same windows.
    const key = `${file}\0poll\0${offset}\0${lastNewline}`;
    const lines = await resolveParsed(key, () => buf.subarray(0, lastNewline).toString("utf8"));
    return { lines, offset: offset + lastNewline + 1, eof };
  } finally {
    await fh.close();
  }
}
