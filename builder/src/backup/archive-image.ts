// The backup phase: each platform of a pushed image becomes one gzipped OCI layout
// tarball in the R2 bucket, plus a `.sha256` object beside it. The bucket is append-only:
// a taken name gets the `-<shortDigest>` suffix, and an image already archived under
// that name today is reported, not written again.
import type { S3Client } from "@aws-sdk/client-s3";
import type { BackupInfo } from "../../../common/build-record.js";
import type { RegistryClient } from "../registry/client.js";
import { formatImageRef, imageName, parseImageRef, type ImageRef } from "../registry/image-ref.js";
import { buildBackupKey, buildChecksumObject, parseBackupDate, shortDigest } from "./backup-key.js";
import {
  findFreeKey,
  isPreconditionFailed,
  putNewObject,
  readObjectText,
  resolveObjectSize,
} from "./bucket-objects.js";
import { BackupError } from "./errors.js";
import { parseImageManifest } from "./oci-layout-tar.js";
import { resolvePlatformManifests, type PlatformManifest } from "./platform-manifests.js";
import { uploadArchive } from "./upload-archive.js";
import { errorMessage } from "../../../common/errors.js";

export interface ArchiveImageArgs {
  s3: S3Client;
  bucket: string;
  registry: RegistryClient;
  /** The pushed image by digest, e.g. ghcr.io/ahelme/comfyume-worker:v1@sha256:… (the tag is optional). */
  imageRef: string;
  platforms: readonly string[];
  /** YYYY-MM-DD, the day the object name carries. */
  date: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  /** Multipart part size (at least 5 MiB; raised automatically for huge images). */
  partSize?: number;
}

export interface ArchivedObject {
  key: string;
  bytes: number;
  sha256: string;
  platform: string;
  parts: number;
  /** True when this image was already in the bucket under `key` and nothing was written. */
  existing: boolean;
}

interface Context extends ArchiveImageArgs {
  image: ImageRef & { digest: string };
  multi: boolean;
  log: (line: string) => void;
}

export async function archiveImage(args: ArchiveImageArgs): Promise<BackupInfo> {
  let image: ImageRef;
  try {
    image = parseImageRef(args.imageRef);
  } catch (err) {
    throw new BackupError(`cannot archive: ${errorMessage(err)}`, { cause: err });
  }
  if (image.digest === undefined) {
    throw new BackupError(
      `${JSON.stringify(args.imageRef)} has no digest; archive the pushed image as name@sha256:…`,
    );
  }
  parseBackupDate(args.date);
  const ctx: Context = {
    ...args,
    image: { ...image, digest: image.digest },
    multi: args.platforms.length > 1,
    log: args.onLine ?? (() => undefined),
  };
  const manifests = await wrap(ctx, "reading the image from the registry", () =>
    resolvePlatformManifests(args.registry, image, args.platforms, { signal: args.signal }),
  );
  const objects: ArchivedObject[] = [];
  for (const pm of manifests) objects.push(await archivePlatform(ctx, pm));
  return toBackupInfo(args.bucket, objects);
}

export function toBackupInfo(bucket: string, objects: readonly ArchivedObject[]): BackupInfo {
  const first = objects[0];
  if (first === undefined) throw new BackupError("no objects were archived");
  const single = objects.length === 1;
  return {
    key: first.key,
    bytes: objects.reduce((n, o) => n + o.bytes, 0),
    bucket,
    ...(single && { sha256: first.sha256, platform: first.platform }),
    objects: objects.map(({ key, bytes, platform }) => ({ key, bytes, platform })),
  };
}

async function archivePlatform(ctx: Context, pm: PlatformManifest): Promise<ArchivedObject> {
  const parts = {
    imageName: imageName(ctx.image),
    date: ctx.date,
    ...(ctx.multi && { platform: pm.platform }),
  };
  const base = buildBackupKey(parts);
  const alternative = buildBackupKey({ ...parts, shortDigest: shortDigest(ctx.image.digest) });
  const manifest = await wrap(ctx, `reading the ${pm.platform} manifest`, () =>
    ctx.registry.getManifest({ ...ctx.image, digest: pm.descriptor.digest }, { signal: ctx.signal }),
  );
  const { config, layers } = parseImageManifest(manifest);
  const estimatedBytes = [config, ...layers].reduce((n, d) => n + d.size, manifest.size);
  // A second round happens only when R2 answered 412: someone took the free name meanwhile.
  for (const candidates of [[base, alternative], [alternative]]) {
    const key = await wrap(ctx, "looking for a free object name", () =>
      findFreeKey(ctx.s3, ctx.bucket, candidates, ctx.signal),
    );
    if (key === undefined) return describeExisting(ctx, alternative, pm.platform);
    ctx.log(`archiving ${pm.platform} of ${formatImageRef(ctx.image)} to ${ctx.bucket}/${key}`);
    try {
      const metadata = {
        "image-digest": ctx.image.digest,
        "manifest-digest": manifest.digest,
        platform: pm.platform,
      };
      const mtime = new Date(`${ctx.date}T00:00:00Z`);
      const layout = {
        registry: ctx.registry,
        image: ctx.image,
        manifest,
        platform: pm.platform,
        mtime,
        signal: ctx.signal,
      };
      const up = await uploadArchive({ ...ctx, key, layout, estimatedBytes, metadata });
      const sum = buildChecksumObject(key, up.sha256);
      await putNewObject(ctx.s3, ctx.bucket, sum.key, sum.body, ctx.signal);
      ctx.log(
        `archived ${pm.platform} as ${key}: ${up.bytes} bytes in ${up.parts} part(s), sha256 ${up.sha256}`,
      );
      return { ...up, platform: pm.platform, existing: false };
    } catch (err) {
      if (isPreconditionFailed(err) && key === base) {
        ctx.log(`${ctx.bucket}/${key} was created by someone else meanwhile; using ${alternative}`);
        continue;
      }
      throw wrapError(ctx, `archiving ${pm.platform} to ${ctx.bucket}/${key}`, err);
    }
  }
  throw new BackupError(`both ${base} and ${alternative} exist in ${ctx.bucket}; not overwriting either`);
}

/** The image was archived under its `-<shortDigest>` name today already: report that object. */
async function describeExisting(ctx: Context, key: string, platform: string): Promise<ArchivedObject> {
  const bytes = (await resolveObjectSize(ctx.s3, ctx.bucket, key, ctx.signal)) ?? 0;
  const text = await readObjectText(ctx.s3, ctx.bucket, `${key}.sha256`, ctx.signal).catch(() => "");
  const sha256 = /^[0-9a-f]{64}/.exec(text)?.[0] ?? "";
  ctx.log(
    `${platform} of ${formatImageRef(ctx.image)} is already archived today as ${ctx.bucket}/${key}; not writing it again`,
  );
  return { key, bytes, sha256, platform, parts: 0, existing: true };
}

async function wrap<T>(ctx: Context, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw wrapError(ctx, what, err);
  }
}

function wrapError(ctx: Context, what: string, err: unknown): unknown {
  // A cancelled build reports the cancellation, not a backup failure.
  if (ctx.signal?.aborted || err instanceof BackupError) return err;
  return new BackupError(
    `backup of ${formatImageRef(ctx.image)} failed while ${what}: ${errorMessage(err)}`,
    {
      cause: err,
    },
  );
}
