// `run --context DIR`: the directory becomes an uploaded context, exactly as if the trigger
// had sent it — the same entries (common/dockerignore/: BuildKit's .dockerignore rules and
// walk, the code `submit --context` uses), written as a tar stream with tar-stream and
// unpacked safely into <uploads>/<sha256>/ so any replica can build and retry it.
import { createReadStream } from "node:fs";
import { readlink, stat } from "node:fs/promises";
import path from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar, { type Pack } from "tar-stream";
import { resolveContextFilter } from "../../../common/dockerignore/context-filter.js";
import { walkContext, type ContextEntry } from "../../../common/dockerignore/context-walk.js";
import { isContextError } from "../../../common/dockerignore/dockerignore-error.js";
import { createContextIngester } from "../source/context-ingester.js";
import { ingestUpload, type UploadedContext } from "../source/upload.js";
import type { UploadStore } from "../source/upload-store.js";
import { UsageError } from "./command-line.js";

export async function ingestDirectory(
  dir: string,
  uploads: UploadStore,
  maxBytes: number,
): Promise<UploadedContext> {
  const abs = path.resolve(dir);
  const info = await stat(abs).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--context ${JSON.stringify(dir)} is not a directory`);
  const entries = await contextEntries(abs);
  const pack = tar.pack();
  const packing = writeEntries(pack, abs, entries).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  // tar-stream's pack is a streamx stream; the ingester takes a Node stream.
  const body = new PassThrough();
  const ingest = createContextIngester({
    store: uploads,
    ingest: (b, o) => ingestUpload(b, o),
    heartbeatMs: 10_000,
    // This process submits the build right after; nothing here is ever discarded.
    isNeeded: () => Promise.resolve(true),
  });
  const [result] = await Promise.all([
    ingest(body, { maxBytes, signal: new AbortController().signal }),
    pipeline(pack, body),
    packing,
  ]);
  const { sha256, bytes, files, dir: contextDir } = result;
  return { sha256, bytes, files, dir: contextDir };
}

/**
 * What `submit --context` would send, decided before anything is written (a local walk is
 * cheap); a .dockerignore or entry that cannot be sent is a usage error.
 */
async function contextEntries(dir: string): Promise<ContextEntry[]> {
  const entries: ContextEntry[] = [];
  try {
    const filter = await resolveContextFilter(dir);
    for await (const entry of walkContext(dir, filter.matcher, { alwaysSent: filter.alwaysSent }))
      entries.push(entry);
  } catch (err) {
    throw isContextError(err) ? new UsageError(err.message) : err;
  }
  return entries;
}

async function writeEntries(pack: Pack, root: string, entries: readonly ContextEntry[]): Promise<void> {
  for (const { path: name, kind, stats } of entries) {
    const base = { name, mode: stats.mode & 0o7777, mtime: stats.mtime };
    const abs = path.join(root, name);
    if (kind === "directory") await addEntry(pack, { ...base, type: "directory" });
    else if (kind === "symlink")
      await addEntry(pack, { ...base, type: "symlink", linkname: await readlink(abs) });
    // A socket: BuildKit puts an empty file with the socket's permissions in the image.
    else if (kind === "socket") await addEntry(pack, { ...base, type: "file", size: 0 }, Buffer.alloc(0));
    else await pipeline(createReadStream(abs), pack.entry({ ...base, type: "file", size: stats.size }));
  }
}

/** Adds an entry without a stream to write (a file's content, if any, is `content`). */
function addEntry(pack: Pack, header: Parameters<Pack["entry"]>[0], content?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (content) pack.entry(header, content, done);
    else pack.entry(header, done);
  });
}
