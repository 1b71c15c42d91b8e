// Packs a directory as a gzipped tar stream for upload, honouring .dockerignore.
// Constant memory: files are read one at a time straight into the block sink's blocks,
// with backpressure from the compressors and the socket; nothing is buffered whole. Entries are sorted and
// carry their own mtimes, so packing the same tree twice gives the same tar. The gzip
// framing around it may differ (the level adapts to the link, adaptive-level.ts), but the
// builder digests the tar, so a retried upload has the same digest and dedups.
import { open, readlink } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { isContextError } from "../../../common/dockerignore/dockerignore-error.js";
import { walkContext } from "../../../common/dockerignore/context-walk.js";
import type { ContextFilter } from "./dockerignore.js";
import { createBlockSink, type BlockSink } from "./block-sink.js";
import { encodeTarHeader, type TarEntry } from "./tar-header.js";

export interface PackStats {
  files: number;
  /** Bytes of file content packed. */
  contentBytes: number;
  /** Bytes on the wire (gzipped tar). */
  sentBytes: number;
  /** Set when the sender measured whether compressing paid (adaptive-level.ts): what it chose and why. */
  compression?: string;
}

export interface PackedContext {
  stream: Readable;
  stats: PackStats;
  /** Resolves when packing is done; rejects with the error that stopped it. */
  done: Promise<void>;
  /** Set when the directory could not be packed as it is (a read error, an ignore file or entry that cannot be sent), as opposed to the upload being torn down. */
  readError(): Error | undefined;
}

/** A file system error while reading the context (not one caused by the request ending). */
function isReadError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (
    typeof code === "string" && /^E[A-Z]+$/.test(code) && (err as NodeJS.ErrnoException).syscall !== undefined
  );
}

export { resolveContextFilter } from "./dockerignore.js";

/**
 * Starts packing `dir`. The returned stream is the request body; `stats` fill in as it is read.
 * gzip level 1 on every core (level 1 already gets most of the size win on source trees),
 * dropped to stored blocks when the link turns out to be faster than the compressor.
 */
export function packContext(dir: string, filter: ContextFilter): PackedContext {
  const stats: PackStats = { files: 0, contentBytes: 0, sentBytes: 0 };
  const sink = createBlockSink((n) => (stats.sentBytes += n));
  let readError: Error | undefined;
  const done = (async () => {
    await walk(dir, filter, sink, stats);
    sink.write(Buffer.alloc(1024)); // two zero records end a tar archive
    await sink.finish();
    const compression = sink.compression();
    if (compression) stats.compression = compression;
  })();
  done.catch((err: Error) => {
    if (isReadError(err) || isContextError(err)) readError = err;
    sink.destroy(err);
  });
  return { stream: sink.stream, stats, done, readError: () => readError };
}

async function walk(root: string, filter: ContextFilter, sink: BlockSink, stats: PackStats): Promise<void> {
  for await (const entry of walkContext(root, filter.matcher, { alwaysSent: filter.alwaysSent })) {
    const abs = path.join(root, entry.path);
    const st = entry.stats;
    const base = { mode: st.mode & 0o7777, mtime: st.mtime, size: 0 };
    if (entry.kind === "directory") {
      await addEntry(sink, { ...base, name: `${entry.path}/`, type: "directory" });
    } else if (entry.kind === "symlink") {
      await addEntry(sink, { ...base, name: entry.path, type: "symlink", linkname: await readlink(abs) });
    } else if (entry.kind === "file") {
      await addFile(sink, abs, { ...base, name: entry.path, type: "file", size: st.size });
      stats.files++;
      stats.contentBytes += st.size;
    } else {
      // A socket: BuildKit puts an empty file with the socket's permissions in the image.
      await addEntry(sink, { ...base, name: entry.path, type: "file" });
      stats.files++;
    }
  }
}

async function addEntry(sink: BlockSink, entry: TarEntry): Promise<void> {
  sink.write(encodeTarHeader(entry));
  await sink.ready();
}

/** A file's header, its content read straight into the sink's blocks, then padding to 512. */
async function addFile(sink: BlockSink, abs: string, entry: TarEntry): Promise<void> {
  const fh = await open(abs, "r");
  try {
    sink.write(encodeTarHeader(entry));
    let left = entry.size;
    while (left > 0) {
      await sink.ready();
      const { buffer, offset, length } = sink.space(left);
      const { bytesRead } = await fh.read(buffer, offset, length, null);
      if (bytesRead === 0)
        throw new Error(`${JSON.stringify(entry.name)} shrank while it was being packed; pack it again`);
      sink.commit(bytesRead);
      left -= bytesRead;
    }
    const pad = (512 - (entry.size % 512)) % 512;
    if (pad) sink.write(Buffer.alloc(pad));
  } finally {
    await fh.close();
  }
}
