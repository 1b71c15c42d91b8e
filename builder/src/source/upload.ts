// Uploaded build contexts (SPEC §4): the body is streamed to a temp file while it is
// hashed and counted (stopping as soon as it is over the limit), then unpacked from
// that file with tar-stream. Memory stays constant whatever the size. Any failure
// removes the temp file and everything unpacked: a bad upload leaves nothing behind.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { link, mkdir, open, readdir, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { UploadError } from "./source-error.js";
import {
  DEFAULT_ENTRY_LIMITS,
  planTarEntry,
  SymlinkGuard,
  type EntryLimits,
  type EntryPlan,
} from "./upload-entry.js";

export interface IngestOptions {
  maxBytes: number;
  /** Must not exist or be empty; receives the unpacked context. */
  destDir: string;
  signal?: AbortSignal;
  /** Force or rule out gzip; by default it is detected from the magic bytes. */
  gzip?: boolean;
  limits?: Partial<EntryLimits>;
  /** Refuses archives that unpack to more than this (a gzip bomb on a shared disk). Default 16 × maxBytes. */
  maxUnpackedBytes?: number;
}

export interface IngestResult {
  /** Hex SHA-256 of the body exactly as received. */
  sha256: string;
  bytes: number;
  /** Non-directory entries unpacked. */
  files: number;
  dir: string;
}

export async function ingestUpload(
  body: Readable | WebReadableStream<Uint8Array> | ReadableStream<Uint8Array>,
  options: IngestOptions,
): Promise<IngestResult> {
  const dir = path.resolve(options.destDir);
  const createdDir = await prepareDest(dir);
  const temp = path.join(
    path.dirname(dir),
    `.${path.basename(dir)}.${randomBytes(6).toString("hex")}.upload`,
  );
  try {
    const input = body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
    const { sha256, bytes } = await receive(input, temp, options);
    const gzip = options.gzip ?? (await hasGzipMagic(temp));
    const files = await unpack(temp, dir, gzip, options);
    return { sha256, bytes, files, dir };
  } catch (err) {
    await clearDest(dir, createdDir);
    throw asUploadError(err);
  } finally {
    await rm(temp, { force: true });
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
  if (err instanceof UploadError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === "AbortError") return err as Error;
  if (
    e?.code === "Z_DATA_ERROR" ||
    e?.code === "Z_BUF_ERROR" ||
    /unexpected end of file/i.test(e?.message ?? "")
  ) {
    return new UploadError(
      `the upload is not a valid gzip stream (${e.message}); send a tar or tar.gz archive`,
      {
        cause: err,
      },
    );
  }
  if (/tar|end of data|header/i.test(e?.message ?? "")) {
    return new UploadError(`the upload is not a valid tar archive (${e.message})`, { cause: err });
  }
  return err as Error;
}

async function receive(
  input: Readable,
  temp: string,
  options: IngestOptions,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        cb(
          new UploadError(
            `the upload is larger than the limit of ${options.maxBytes} bytes (BUILDER_MAX_UPLOAD_BYTES)`,
          ),
        );
        return;
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const sink = createWriteStream(temp, { flags: "wx", mode: 0o600 });
  await pipeline(input, meter, sink, options.signal ? { signal: options.signal } : {});
  return { sha256: hash.digest("hex"), bytes };
}

async function hasGzipMagic(file: string): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function unpack(temp: string, dir: string, gzip: boolean, options: IngestOptions): Promise<number> {
  const limits: EntryLimits = { ...DEFAULT_ENTRY_LIMITS, ...options.limits };
  const writer = new EntryWriter(dir, options.maxUnpackedBytes ?? options.maxBytes * 16);
  const extract = tar.extract();
  const opts = options.signal ? { signal: options.signal } : {};
  // The feeding pipeline may fail while the loop below is between entries; its error
  // is captured at once (so it is never an unhandled rejection) and rethrown after.
  let feedError: unknown;
  const feeding = (
    gzip
      ? pipeline(createReadStream(temp), createGunzip(), extract, opts)
      : pipeline(createReadStream(temp), extract, opts)
  ).catch((err: unknown) => {
    feedError = err;
  });
  let entries = 0;
  try {
    for await (const entry of extract) {
      if (++entries > limits.maxEntries)
        throw new UploadError(`the archive has more than ${limits.maxEntries} entries`);
      // streamx Readables are async iterables of Buffers at runtime; its typings omit it.
      await writer.write(planTarEntry(entry.header, limits), entry as unknown as AsyncIterable<Buffer>);
    }
    await feeding;
    if (feedError) throw feedError;
  } catch (err) {
    extract.destroy(err as Error);
    await feeding;
    throw err;
  }
  return writer.files;
}

/** Creates one planned entry on disk, only ever inside `root` and never through a symlink. */
class EntryWriter {
  files = 0;
  private unpacked = 0;
  private readonly guard = new SymlinkGuard();
  private readonly dirs = new Set<string>([""]);

  constructor(
    private readonly root: string,
    private readonly maxUnpacked: number,
  ) {}

  async write(plan: EntryPlan, content: AsyncIterable<Buffer>): Promise<void> {
    if (plan.kind === "skip" || plan.kind === "directory") {
      if (plan.kind === "directory") await this.ensureDir(plan.path, plan.mode);
      return drain(content);
    }
    this.guard.check(plan.path);
    await this.ensureDir(path.posix.dirname(plan.path));
    const abs = path.join(this.root, plan.path);
    if (plan.kind === "file") {
      this.unpacked += plan.size;
      if (this.unpacked > this.maxUnpacked) {
        throw new UploadError(
          `the archive unpacks to more than ${this.maxUnpacked} bytes (at entry "${plan.path}")`,
        );
      }
      await pipeline(content, createWriteStream(abs, { mode: plan.mode }));
    } else if (plan.kind === "symlink") {
      await drain(content);
      await symlink(plan.target, abs);
      this.guard.add(plan.path);
    } else {
      await drain(content);
      this.guard.check(plan.target, "hardlink target");
      await link(path.join(this.root, plan.target), abs).catch((err: NodeJS.ErrnoException) => {
        throw new UploadError(
          `hardlink "${plan.path}" -> "${plan.target}" cannot be made: ${err.code ?? err.message}`,
        );
      });
    }
    this.files++;
  }

  private async ensureDir(rel: string, mode = 0o755): Promise<void> {
    if (rel === "." || this.dirs.has(rel)) return;
    this.guard.check(rel, "directory");
    await mkdir(path.join(this.root, rel), { recursive: true, mode });
    // Record the directory and its parents so later entries skip the syscall.
    for (let p = rel; p !== "." && !this.dirs.has(p); p = path.posix.dirname(p)) this.dirs.add(p);
  }
}

async function drain(content: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of content) void chunk; // the entry must be consumed before the next one is read
}
