// Packs a directory as a gzipped tar stream for upload, honouring .dockerignore.
// Constant memory: files are read one at a time with backpressure from tar-stream,
// the gzip stream and the socket; nothing is buffered whole. Entries are sorted and
// carry their own mtimes, so packing the same tree twice gives the same bytes (a
// retried upload has the same digest and dedups on the builder).
import { createReadStream } from "node:fs";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform, type Readable } from "node:stream";
import { pack as createPack, type Pack } from "tar-stream";
import { buildContextFilter, parseDockerignore, type ContextFilter } from "./dockerignore.js";
import { createParallelGzip } from "./parallel-gzip.js";

export interface PackStats {
  files: number;
  /** Bytes of file content packed. */
  contentBytes: number;
  /** Bytes on the wire (gzipped tar). */
  sentBytes: number;
}

export interface PackedContext {
  stream: Readable;
  stats: PackStats;
  /** Resolves when packing is done; rejects with the error that stopped it. */
  done: Promise<void>;
  /** Set when reading the directory failed (as opposed to the upload being torn down). */
  readError(): Error | undefined;
}

// Reads of 256 KiB: as fast as 1 MiB reads here, and each stage of the pipe (tar, gzip,
// counter, socket) holds a chunk or two, so smaller chunks cut the peak RSS (~6 MiB measured).
const READ_CHUNK_BYTES = 256 * 1024;

/** A file system error while reading the context (not one caused by the request ending). */
function isReadError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (
    typeof code === "string" && /^E[A-Z]+$/.test(code) && (err as NodeJS.ErrnoException).syscall !== undefined
  );
}

export async function resolveContextFilter(dir: string): Promise<ContextFilter> {
  try {
    return buildContextFilter(parseDockerignore(await readFile(path.join(dir, ".dockerignore"), "utf8")));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return buildContextFilter([]);
    throw err;
  }
}

/**
 * Starts packing `dir`. The returned stream is the request body; `stats` fill in as it is read.
 * gzip level 1 on every core: on a LAN or loopback the CPU, not the wire, is the bottleneck,
 * and over a WAN level 1 already gets most of the size win on source trees.
 */
export function packContext(dir: string, filter: ContextFilter): PackedContext {
  const stats: PackStats = { files: 0, contentBytes: 0, sentBytes: 0 };
  const tar = createPack();
  const gzip = createParallelGzip();
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      stats.sentBytes += chunk.length;
      cb(null, chunk);
    },
  });
  let readError: Error | undefined;
  const done = (async () => {
    await walk(dir, "", filter, tar, stats);
    tar.finalize();
  })();
  done.catch((err: Error) => {
    if (isReadError(err)) readError = err;
    tar.destroy(err);
  });
  const piped = pipeline(tar, gzip, counter).catch(() => {
    // The same error reaches the consumer through `counter` and the caller through `done`.
  });
  void piped;
  return { stream: counter, stats, done, readError: () => readError };
}

async function walk(
  root: string,
  rel: string,
  filter: ContextFilter,
  tar: Pack,
  stats: PackStats,
): Promise<void> {
  const entries = (await readdir(path.join(root, rel), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    const excluded = filter.excludes(relPath);
    const abs = path.join(root, relPath);
    const st = await lstat(abs);
    if (st.isDirectory()) {
      if (excluded && !filter.hasExceptions) continue;
      if (!excluded)
        await addEntry(tar, {
          name: `${relPath}/`,
          type: "directory",
          mode: st.mode & 0o7777,
          mtime: st.mtime,
        });
      await walk(root, relPath, filter, tar, stats);
    } else if (!excluded && st.isSymbolicLink()) {
      const linkname = await readlink(abs);
      await addEntry(tar, {
        name: relPath,
        type: "symlink",
        linkname,
        mode: st.mode & 0o7777,
        mtime: st.mtime,
      });
    } else if (!excluded && st.isFile()) {
      await addFile(tar, abs, relPath, st);
      stats.files++;
      stats.contentBytes += st.size;
    }
    // Sockets, FIFOs and devices are never part of a build context (Docker skips them too).
  }
}

function addEntry(tar: Pack, header: Parameters<Pack["entry"]>[0]): Promise<void> {
  return new Promise((resolve, reject) => {
    tar.entry(header, (err) => (err ? reject(err) : resolve()));
  });
}

async function addFile(
  tar: Pack,
  abs: string,
  name: string,
  st: { size: number; mode: number; mtime: Date },
) {
  let settle!: { resolve: () => void; reject: (err: Error) => void };
  const written = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // entry() throws at once when the pack was torn down (a read error elsewhere, the
  // request gone); that throw is the error to report, and `written` must not dangle.
  const sink = tar.entry(
    { name, type: "file", size: st.size, mode: st.mode & 0o7777, mtime: st.mtime },
    (err) => (err ? settle.reject(err) : settle.resolve()),
  );
  try {
    await pipeline(createReadStream(abs, { highWaterMark: READ_CHUNK_BYTES }), sink);
  } catch (err) {
    written.catch(() => undefined); // the pipeline's error is the one reported
    throw err;
  }
  await written;
}
