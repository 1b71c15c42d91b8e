// Replaying a log from disk, a page at a time, with the parsing shared. Page k holds the
// lines that start in bytes [k × 64 KiB, (k+1) × 64 KiB) of the file: a definition that
// does not depend on where a reader starts, so every reader of a log (a hundred clients
// replaying it, each resuming from its own Last-Event-ID, each catching up after a gap)
// reads the same pages, and a page once parsed is shared through a small cache. Bytes of a
// log before its last newline never change (appends only add after it), so a page whose
// lines are all complete is never stale; the page at the end is read fresh each time.
import { open, type FileHandle } from "node:fs/promises";
import PQueue from "p-queue";
import type { LogLine } from "../../../common/build-record.js";
import { parseLogLine } from "./log-line.js";

export const LOG_PAGE_BYTES = 64 * 1024;
/** A line longer than this is skipped (its pieces never parse) rather than held whole. */
const MAX_LINE_BYTES = 4 * 1024 * 1024;

/**
 * Parsing takes turns: one page at a time in this process, each turn ending with a pass
 * of the event loop, so a hundred replays at once never put a hundred pages of work
 * between a request (a /healthz probe) and its answer.
 */
const parseTurns = new PQueue({ concurrency: 1 });

/** Lines parsed from `text` (a window read by the poller), in turn. */
function parseText(text: string): Promise<LogLine[]> {
  return parseTurns.add(async () => {
    const lines: LogLine[] = [];
    for (const raw of text.split("\n")) {
      const line = parseLogLine(raw);
      if (line) lines.push(line);
    }
    await new Promise((resolve) => setImmediate(resolve));
    return lines;
  });
}

/** About 64 entries of 64 KiB of log: a few MB of parsed lines, shared by every reader. */
const CACHE_ENTRIES = 64;
const cache = new Map<string, Promise<unknown>>();

function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  const hit = cache.get(key) as Promise<T> | undefined;
  if (hit) {
    cache.delete(key); // most recently used goes last
    cache.set(key, hit);
    return hit;
  }
  const made = make();
  cache.set(key, made);
  made.catch(() => cache.delete(key));
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return made;
}

/** Lines parsed from `text`, shared with any other reader of the same bytes (`key` names them). */
export function resolveParsed(key: string, text: () => string): Promise<LogLine[]> {
  return cached(key, () => parseText(text()));
}

interface Page {
  lines: LogLine[];
  /** Byte offset where each line starts. */
  starts: number[];
  /** Every line starting in the page is complete: the page will never change. */
  complete: boolean;
}

async function readAt(fh: FileHandle, at: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  const { bytesRead } = await fh.read(buf, 0, length, at);
  return buf.subarray(0, bytesRead);
}

/** The offset just past the newline that ends the line at `at` (a line too long to keep), or `size`. */
async function skipLine(fh: FileHandle, at: number, size: number): Promise<number> {
  for (let pos = at; pos < size;) {
    const chunk = await readAt(fh, pos, LOG_PAGE_BYTES);
    if (chunk.length === 0) break;
    const nl = chunk.indexOf(0x0a);
    if (nl >= 0) return pos + nl + 1;
    pos += chunk.length;
  }
  return size;
}

/** Reads and parses page `k` of a file of `size` bytes. */
async function loadPage(fh: FileHandle, k: number, size: number): Promise<Page> {
  const from = k * LOG_PAGE_BYTES;
  const to = from + LOG_PAGE_BYTES;
  // One byte before the page says whether a line starts exactly at its first byte.
  const base = Math.max(0, from - 1);
  let data = await readAt(fh, base, Math.min(size, to + LOG_PAGE_BYTES) - base);
  const firstNewline = data.indexOf(0x0a);
  // No newline in the window: the line running through it started before the page.
  let s = from === 0 ? 0 : firstNewline < 0 ? to : base + firstNewline + 1;
  const texts: string[] = [];
  const starts: number[] = [];
  while (s < to && s < size) {
    let nl = data.indexOf(0x0a, s - base);
    while (nl < 0 && base + data.length < size && data.length - (s - base) <= MAX_LINE_BYTES) {
      data = Buffer.concat([data, await readAt(fh, base + data.length, LOG_PAGE_BYTES)]);
      nl = data.indexOf(0x0a, s - base);
    }
    if (nl >= 0) {
      texts.push(data.subarray(s - base, nl).toString("utf8"));
      starts.push(s);
      s = base + nl + 1;
    } else if (base + data.length >= size) {
      break; // the log's last line is still being written
    } else {
      s = await skipLine(fh, base + data.length, size); // longer than any line kept
    }
  }
  const parsed = await parseTurns.add(async () => {
    const lines: LogLine[] = [];
    const kept: number[] = [];
    texts.forEach((text, i) => {
      const line = parseLogLine(text);
      if (!line) return;
      lines.push(line);
      kept.push(starts[i]!);
    });
    await new Promise((resolve) => setImmediate(resolve));
    return { lines, starts: kept };
  });
  // Complete when the next line starts past the page: then no line can still start in it.
  return { ...parsed, complete: s >= to };
}

/** Page `k`, from the cache when a complete copy is there. */
async function resolvePage(fh: FileHandle, file: string, k: number, size: number): Promise<Page> {
  const key = `${file}\0page\0${k}`;
  const hit = cache.get(key) as Promise<Page> | undefined;
  if (hit) return cached(key, () => hit);
  const page = await loadPage(fh, k, size);
  if (page.complete) void cached(key, () => Promise.resolve(page));
  return page;
}

/**
 * Yields the lines that start in bytes [start, end) with seq > afterSeq, a page at a time
 * (arrays shared with other readers: never change them). `end` defaults to the file's
 * current end; lines not yet complete there are left for a later read.
 */
export async function* iterateLogPages(
  file: string,
  afterSeq: number,
  start = 0,
  end?: number,
): AsyncGenerator<LogLine[]> {
  if (end !== undefined && end <= start) return;
  let fh;
  try {
    fh = await open(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // no log yet: nothing to replay
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const stop = Math.min(end ?? size, size);
    for (let k = Math.floor(start / LOG_PAGE_BYTES); k * LOG_PAGE_BYTES < stop; k++) {
      const page = await resolvePage(fh, file, k, size);
      const first = page.starts[0];
      const last = page.starts[page.starts.length - 1];
      const whole =
        first !== undefined &&
        last !== undefined &&
        first >= start &&
        last < stop &&
        page.lines[0]!.seq > afterSeq;
      const lines = whole
        ? page.lines
        : page.lines.filter((l, i) => page.starts[i]! >= start && page.starts[i]! < stop && l.seq > afterSeq);
      if (lines.length > 0) yield lines;
      if (!page.complete) return;
    }
  } finally {
    await fh.close();
  }
}

/** The same lines one at a time. */
export async function* iterateLogRange(
  file: string,
  afterSeq: number,
  start = 0,
  end?: number,
): AsyncGenerator<LogLine> {
  for await (const page of iterateLogPages(file, afterSeq, start, end)) yield* page;
}
