// The append-only rules for the image bucket. R2 enforces `If-None-Match: *` (412 on
// an existing key); s3rver and some S3 gateways ignore it, so we also look before we
// write. Nothing here ever deletes or overwrites an object.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

interface S3ErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return (err as S3ErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** True for R2's answer to a conditional write on an existing key. */
export function isPreconditionFailed(err: unknown): boolean {
  return statusOf(err) === 412 || (err as S3ErrorShape | undefined)?.name === "PreconditionFailed";
}

/** The object's size, or `undefined` when there is no such key. */
export async function resolveObjectSize(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<number | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return head.ContentLength ?? 0;
  } catch (err) {
    if (statusOf(err) === 404 || (err as S3ErrorShape).name === "NotFound") return undefined;
    throw err;
  }
}

export async function readObjectText(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  return (await res.Body?.transformToString("utf8")) ?? "";
}

/** A small object written only if the key is free (412 from R2 otherwise). */
export async function putNewObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string,
  signal?: AbortSignal,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: "text/plain",
      IfNoneMatch: "*",
    }),
    { abortSignal: signal },
  );
}

/** The first candidate key whose archive and checksum objects are both absent. */
export async function findFreeKey(
  s3: S3Client,
  bucket: string,
  candidates: readonly string[],
  signal?: AbortSignal,
): Promise<string | undefined> {
  for (const key of candidates) {
    const taken =
      (await resolveObjectSize(s3, bucket, key, signal)) !== undefined ||
      (await resolveObjectSize(s3, bucket, `${key}.sha256`, signal)) !== undefined;
    if (!taken) return key;
  }
  return undefined;
}
