// Uploaded build contexts (SPEC §4), in one pass: the body is counted as it arrives
// (stopping as soon as it is over the limit), gunzipped when its magic bytes say gzip,
// the tar archive hashed, and unpacked straight into the destination with tar-stream, with
// backpressure all the way, so memory stays constant whatever the size and nothing
// is read twice. Any failure removes everything unpacked: a bad upload leaves nothing behind.
// `maxBytes` bounds all three sides (upload-limits.ts): the body, the inflated tar (a gzip
// bomb stops the moment it inflates past it, so its CPU is bounded too) and the footprint
// of the unpacked tree, entries included.
import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { parseIndexedHeader } from "../../../common/indexed-gzip.js";
import { IndexedGunzip, invalidGzip } from "./indexed-gunzip.js";
import tar from "tar-stream";
import { UploadDiskLowError, UploadError } from "./source-error.js";
import { DEFAULT_ENTRY_LIMITS, planTarEntry, type EntryLimits } from "./upload-entry.js";
import { MAX_ENTRIES_CAP, maxEntriesFor } from "./upload-limits.js";
import { BodyMeter, hasGzipMagic, peekHead, STREAM_HIGH_WATER_MARK } from "./upload-stream.js";
import { EntryWriter, type SpaceCheck } from "./upload-writer.js";
import { TarEndCutter } from "./tar-end.js";
import { errorMessage, asError } from "../../../common/errors.js";

export interface IngestOptions {
  maxBytes: number;
  /** Must not exist or be empty; receives the unpacked context. */
  destDir: string;
  signal?: AbortSignal;
  /** Force or rule out gzip; by default it is detected from the magic bytes. */
  gzip?: boolean;
  /** Entry limits; maxEntries defaults to maxEntriesFor(maxBytes). */
  limits?: Partial<EntryLimits>;
  /** Free space asked before the first entry and while unpacking; a problem stops the upload (DISK_LOW). */
  space?: SpaceCheck;
}

/** An unpacked upload: what the HTTP upload route and `run --context DIR` hand to a submit. */
export interface UploadedContext {
  /**
   * Hex SHA-256 of the tar archive (after gunzip for a gzip body): the same context has
   * the same digest whether it came as .tar or .tar.gz, at any compression level, so a
   * client may choose its compression per upload without breaking dedup or idempotency.
   */
  sha256: string;
  /** Size of that tar archive. */
  bytes: number;
  /** Non-directory entries unpacked. */
  files: number;
  dir: string;
}

export async function ingestUpload(
  body: Readable | WebReadableStream<Uint8Array> | ReadableStream<Uint8Array>,
  options: IngestOptions,
): Promise<UploadedContext> {
  const dir = path.resolve(options.destDir);
  const createdDir = await prepareDest(dir);
  const writer = new EntryWriter(dir, {
    maxBytes: options.maxBytes,
    ...(options.space ? { space: options.space } : {}),
  });
  try {
    const input = body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
    const problem = await options.space?.check();
    if (problem) throw new UploadDiskLowError(`the upload was refused: ${problem}`);
    const { head, body: whole } = await peekHead(input, 64, options.signal);
    const tarMeter = await unpack(whole, bodyFraming(head, options.gzip), writer, options);
    return { sha256: tarMeter.digest(), bytes: tarMeter.bytes, files: writer.files, dir };
  } catch (err) {
    // Background writes must be finished before the tree is removed, or one could land after.
    await writer.settle().catch(() => undefined); // the failure being reported is `err`
    await clearDest(dir, createdDir);
    throw asUploadError(err);
  }
}

async function prepareDest(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  if ((await readdir(dir)).length > 0) throw new UploadError(`upload destination ${dir} is not empty`);
  return false;
}

async function clearDest(dir: string, created: boolean): Promise<void> {
  if (created) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  for (const name of await readdir(dir)) await rm(path.join(dir, name), { recursive: true, force: true });
}

function asUploadError(err: unknown): Error {
  if (err instanceof UploadError || err instanceof UploadDiskLowError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === "AbortError") return asError(err);
  if (
    e?.code === "Z_DATA_ERROR" ||
    e?.code === "Z_BUF_ERROR" ||
    /unexpected end of file/i.test(e?.message ?? "")
  ) {
    return new UploadError(
      `the upload is not a valid gzip stream (${e.message}); send a tar or tar.gz archive`,
      { cause: err },
    );
  }
  if (/tar|end of data|header/i.test(e?.message ?? "")) {
    return new UploadError(`the upload is not a valid tar archive (${e.message})`, { cause: err });
  }
  // Entries that contradict each other (a file, then a directory or a link of the same
  // name, or something below a file) fail at the filesystem: a bad archive, not a 500.
  if (["EEXIST", "EISDIR", "ENOTDIR", "ELOOP", "ERR_STREAM_PREMATURE_CLOSE"].includes(e?.code ?? "")) {
    return new UploadError(`the archive has conflicting entries (${e.code}: ${e.message})`, { cause: err });
  }
  return asError(err);
}

type Framing = "tar" | "gzip" | "indexed-gzip";

/** What the body is, from its first bytes (or what the caller says). */
function bodyFraming(head: Buffer, gzip: boolean | undefined): Framing {
  if (gzip === false || (gzip === undefined && !hasGzipMagic(head))) return "tar";
  try {
    return parseIndexedHeader(head).kind === "indexed" ? "indexed-gzip" : "gzip";
  } catch (err) {
    throw invalidGzip(errorMessage(err), 0);
  }
}

/** The stage between the metered body and the tar parser for a gzip body. */
function inflater(framing: Exclude<Framing, "tar">, maxBytes: number): Transform {
  if (framing === "indexed-gzip")
    return new IndexedGunzip({ highWaterMark: STREAM_HIGH_WATER_MARK, maxOutputBytes: maxBytes });
  // Gunzip output in 1 MiB chunks: at zlib's 16 KiB default (or 64 KiB) the per-chunk cost
  // of the tar parser and the streams made a gzip body ~25% slower to take in than the
  // same tar sent plain. Its output is capped by the tar meter right behind it: once that
  // fails the pipeline destroys this stream, and backpressure has kept it at most a few
  // chunks ahead, so a bomb costs the limit's worth of inflating, not its own size.
  return createGunzip({ chunkSize: STREAM_HIGH_WATER_MARK });
}

/** Returns the meter that hashed the tar archive. */
async function unpack(
  input: Readable,
  framing: Framing,
  writer: EntryWriter,
  options: IngestOptions,
): Promise<BodyMeter> {
  const limits: EntryLimits = {
    ...DEFAULT_ENTRY_LIMITS,
    maxEntries: maxEntriesFor(options.maxBytes),
    ...options.limits,
  };
  const extract = tar.extract();
  const opts = options.signal ? { signal: options.signal } : {};
  // The feeding pipeline may fail while the loop below is between entries; its error
  // is captured at once (so it is never an unhandled rejection) and rethrown after.
  let feedError: unknown;
  // The raw meter limits the body as sent; the tar meter digests what it unpacks to. In
  // front of createGunzip the raw meter batches socket reads (see BodyMeterOptions).
  const rawMeter = new BodyMeter(
    options.maxBytes,
    framing === "tar" ? {} : { hash: false, batchBytes: framing === "gzip" ? STREAM_HIGH_WATER_MARK : 0 },
  );
  const tarMeter = framing === "tar" ? rawMeter : new BodyMeter(options.maxBytes, { what: "inflated" });
  const stages = framing === "tar" ? [] : [inflater(framing, options.maxBytes), tarMeter];
  const cutter = new TarEndCutter(STREAM_HIGH_WATER_MARK);
  const feeding = pipeline([input, rawMeter, ...stages, cutter, extract], opts).catch((err: unknown) => {
    feedError = err;
  });
  let entries = 0;
  try {
    for await (const entry of extract) {
      if (++entries > limits.maxEntries) {
        throw new UploadError(
          `the archive has more than ${limits.maxEntries} entries (one per 4 KiB of BUILDER_MAX_UPLOAD_BYTES, at most ${MAX_ENTRIES_CAP})`,
          { status: 413 },
        );
      }
      cutter.entryStarted(entry.header as { byteOffset?: number; size?: number | null });
      // streamx Readables are async iterables of Buffers at runtime; its typings omit it.
      await writer.write(planTarEntry(entry.header, limits), entry as unknown as AsyncIterable<Buffer>);
    }
    await feeding;
    if (feedError) throw feedError;
    await writer.settle();
    return tarMeter;
  } catch (err) {
    extract.destroy(asError(err));
    await feeding;
    // When the feed failed first (truncated, oversize, aborted), the entry being read
    // only reports "Stream was destroyed"; the feed's error is the one that says why.
    throw err instanceof UploadError || err instanceof UploadDiskLowError ? err : (feedError ?? err);
  }
}
