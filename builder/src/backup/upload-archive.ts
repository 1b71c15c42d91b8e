// Streams one platform's OCI layout tar, gzipped, into a new bucket object with a
// multipart upload, hashing the gzip bytes on the way so the .sha256 object needs no
// second read. Memory stays at about partSize x queueSize whatever the image size.
import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import tar from "tar-stream";
import { writeOciLayout, type LayoutSource } from "./oci-layout-tar.js";

/** S3 and R2 refuse parts under 5 MiB (except the last) and more than 10,000 parts. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export interface ArchiveUploadResult {
  key: string;
  /** Bytes of the gzipped tarball, as stored. */
  bytes: number;
  sha256: string;
  /** How many parts the upload used (1 = a plain PutObject). */
  parts: number;
}

export interface ArchiveUploadArgs {
  s3: S3Client;
  bucket: string;
  key: string;
  layout: LayoutSource;
  /** Estimated archive size, to keep the part count under the limit. */
  estimatedBytes: number;
  partSize?: number;
  /** Stored as object metadata so an operator can tell which image an object holds. */
  metadata: Record<string, string>;
}

/** Parts big enough that an archive of `estimatedBytes` (plus slack) needs at most 9,000 of them. */
export function choosePartSize(estimatedBytes: number, requested?: number): number {
  const needed = Math.ceil((estimatedBytes * 1.1) / (MAX_PARTS * 0.9));
  return Math.max(MIN_PART_SIZE, requested ?? 0, needed);
}

export async function uploadArchive(args: ArchiveUploadArgs): Promise<ArchiveUploadResult> {
  const { signal } = args.layout;
  const pack = tar.pack();
  const tap = createDigestTap();
  const upload = startUpload(args, tap.stream);

  // Any failure destroys the streams, which makes the upload fail too; lib-storage then
  // aborts the multipart upload itself before done() rejects, so no parts are left behind.
  let rootCause: unknown;
  const stop = (err: unknown) => {
    rootCause ??= err;
    const error = err instanceof Error ? err : new Error(String(err));
    pack.destroy(error);
    tap.stream.destroy(error);
  };
  const onAbort = () => {
    stop(signal?.reason ?? new Error("the backup was cancelled"));
    // If the upload already read the whole body, destroying it changes nothing; this
    // makes lib-storage skip CompleteMultipartUpload and abort the upload (in the
    // background, just after done() rejects).
    void upload.upload.abort();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const writing = writeOciLayout(pack, args.layout).then(() => pack.finalize());
  const piping = pipeline(pack, createGzip(), tap.stream);
  const uploading = upload.upload.done();
  // An upload that fails mid-way stops reading; without this the tar writer would wait forever.
  for (const p of [writing, piping, uploading]) p.catch(stop);
  try {
    // Wait for all three, so nothing is still running when we report; the first error
    // seen is the root cause (the others are mostly "stream destroyed" echoes of it).
    const settled = await Promise.allSettled([writing, piping, uploading]);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw rootCause ?? failed.reason;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  return { key: args.key, ...tap.result(), parts: Math.max(upload.parts(), 1) };
}

/** A pass-through that hashes and counts what flows to the bucket. */
function createDigestTap(): { stream: Transform; result: () => { bytes: number; sha256: string } } {
  const hash = createHash("sha256");
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, result: () => ({ bytes, sha256: hash.digest("hex") }) };
}

function startUpload(args: ArchiveUploadArgs, body: Transform): { upload: Upload; parts: () => number } {
  const upload = new Upload({
    client: args.s3,
    params: {
      Bucket: args.bucket,
      Key: args.key,
      Body: body,
      ContentType: "application/gzip",
      // R2 refuses to overwrite (412); the caller looked first for stores that ignore it.
      IfNoneMatch: "*",
      Metadata: args.metadata,
    },
    partSize: choosePartSize(args.estimatedBytes, args.partSize),
    queueSize: 2,
    leavePartsOnError: false,
  });
  let parts = 0;
  upload.on("httpUploadProgress", (p) => (parts = Math.max(parts, p.part ?? 0)));
  return { upload, parts: () => parts };
}
