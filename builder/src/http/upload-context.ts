// Puts an uploaded context where every replica finds it: `<uploads>/<sha256>/`. The body
// is unpacked into a fresh incoming dir (the digest is only known at the end), then
// renamed into place; the same bytes uploaded twice are one directory, so a rename that
// finds the digest already there just drops the new copy. The body is also metered here
// so an oversized upload is a 413 (the ingester's own limit is a plain 400).
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { UploadedContext } from "./deps.js";
import { invalidRequest } from "./errors.js";
import { tooLarge } from "./request-body.js";

export type Ingest = (
  body: Readable,
  opts: { maxBytes: number; destDir: string; signal?: AbortSignal },
) => Promise<UploadedContext>;

export type ContextIngester = (
  body: Readable | ReadableStream<Uint8Array>,
  opts: { maxBytes: number; signal: AbortSignal },
) => Promise<UploadedContext>;

function meter(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) cb(tooLarge("uploaded context", maxBytes, seen));
      else cb(null, chunk);
    },
  });
}

export function createContextIngester(uploadsDir: string, ingest: Ingest): ContextIngester {
  return async (body, opts) => {
    await mkdir(uploadsDir, { recursive: true });
    const incoming = path.join(uploadsDir, `.incoming-${randomBytes(8).toString("hex")}`);
    const source = body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
    const metered = meter(opts.maxBytes);
    // pipe() does not forward errors: a client that disconnects mid-upload must fail the ingest.
    source.once("error", (err) => metered.destroy(err));
    source.pipe(metered);
    const result = await ingest(metered, { maxBytes: opts.maxBytes, destDir: incoming, signal: opts.signal });
    if (result.files === 0) {
      await rm(incoming, { recursive: true, force: true });
      throw invalidRequest(
        "The uploaded context has no files; send a tar or gzipped tar archive with a Dockerfile.",
      );
    }
    const final = path.join(uploadsDir, result.sha256);
    try {
      await rename(incoming, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") {
        await rm(incoming, { recursive: true, force: true });
        throw err;
      }
      // Same digest, same bytes: the existing directory is this context already.
      await rm(incoming, { recursive: true, force: true });
    }
    return { ...result, dir: final };
  };
}
