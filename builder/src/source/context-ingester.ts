// Puts an uploaded context where every replica finds it: `<uploads>/<sha256>/`. The body
// is unpacked into a fresh incoming dir (the digest is only known at the end), then
// renamed into place; the same bytes uploaded twice are one directory (upload-store.ts).
// The ingester meters the body itself (a 413 past BUILDER_MAX_UPLOAD_BYTES). While it
// runs the incoming dir's owner file is touched, so a replica on another host can tell a
// slow upload from one whose replica died.
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { UploadError } from "./source-error.js";
import type { UploadedContext } from "./upload.js";
import type { UploadStore } from "./upload-store.js";
import type { SpaceCheck } from "./upload-writer.js";

export type Ingest = (
  body: Readable,
  opts: { maxBytes: number; destDir: string; signal?: AbortSignal; space?: SpaceCheck },
) => Promise<UploadedContext>;

export interface IngestedUpload extends UploadedContext {
  /** True when this request put the context there (no earlier upload of the same bytes). */
  created: boolean;
  /** For a request refused after its body was taken: removes the context unless a build needs it. */
  discard(): Promise<void>;
}

export type ContextIngester = (
  body: Readable | ReadableStream<Uint8Array>,
  opts: { maxBytes: number; signal: AbortSignal },
) => Promise<IngestedUpload>;

export interface ContextIngesterDeps {
  store: UploadStore;
  ingest: Ingest;
  /** The free-space guard of the uploads dir, asked before the body is read and while it unpacks. */
  space?: SpaceCheck;
  /** How often the incoming dir is marked alive; a third of the lease. */
  heartbeatMs: number;
  /** True while a queued or running build needs the context (job layer). */
  isNeeded: (sha256: string) => Promise<boolean>;
}

export function createContextIngester(deps: ContextIngesterDeps): ContextIngester {
  const { store } = deps;
  return async (body, opts) => {
    const incoming = await store.createIncoming();
    const heartbeat = setInterval(() => {
      incoming.heartbeat().catch(() => undefined); // a missed beat only makes the upload look older
    }, deps.heartbeatMs);
    heartbeat.unref();
    try {
      const source =
        body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
      const result = await deps.ingest(source, {
        maxBytes: opts.maxBytes,
        destDir: incoming.dest,
        signal: opts.signal,
        ...(deps.space ? { space: deps.space } : {}),
      });
      if (result.files === 0) {
        throw new UploadError(
          "The uploaded context has no files; send a tar or gzipped tar archive with a Dockerfile.",
        );
      }
      const { dir, created } = await store.publish(incoming, result.sha256);
      const discard = async () => {
        if (created) await store.removeIfUnused(result.sha256, Infinity, () => deps.isNeeded(result.sha256));
      };
      return { ...result, dir, created, discard };
    } catch (err) {
      await store.discard(incoming);
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  };
}
