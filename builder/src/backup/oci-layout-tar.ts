// Writes one platform of a pushed image as an OCI image layout
// (https://github.com/opencontainers/image-spec/blob/main/image-layout.md) into a tar
// stream: oci-layout, blobs/sha256/<hex> for the manifest, its config and its layers,
// and index.json pointing at the manifest. Blobs are streamed from the registry into
// the tar entry (never whole in memory) and their sha256 and size are checked on the
// way, so a corrupt archive fails the backup instead of landing in the bucket.
import { createHash } from "node:crypto";
import type { Pack } from "tar-stream";
import type { FetchedManifest, RegistryClient } from "../registry/client.js";
import type { ImageRef } from "../registry/image-ref.js";
import { OCI_INDEX } from "../registry/media-types.js";
import { BackupError } from "./errors.js";
import { parsePlatform, type Descriptor } from "./platform-manifests.js";

export interface LayoutSource {
  registry: RegistryClient;
  image: ImageRef;
  /** The platform manifest to archive, as fetched (its bytes go into the layout verbatim). */
  manifest: FetchedManifest;
  platform: string;
  /** Entry timestamps; fixed so equal images give equal tarballs. */
  mtime: Date;
  signal?: AbortSignal;
}

const SHA256 = /^sha256:([0-9a-f]{64})$/;

function blobPath(digest: string): string {
  const hex = SHA256.exec(digest)?.[1];
  if (hex === undefined)
    throw new BackupError(`${JSON.stringify(digest)} is not a sha256 digest; cannot archive it`);
  return `blobs/sha256/${hex}`;
}

function addBuffer(pack: Pack, name: string, data: Buffer | string, mtime: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, mtime, mode: 0o644 }, data, (err) => (err ? reject(err) : resolve()));
  });
}

function addDirectory(pack: Pack, name: string, mtime: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, type: "directory", mtime, mode: 0o755 }, (err) => (err ? reject(err) : resolve()));
  });
}

/** Streams one blob into the tar; rejects if its bytes do not hash to its digest or size. */
async function addBlob(pack: Pack, src: LayoutSource, blob: Descriptor): Promise<number> {
  const name = blobPath(blob.digest);
  const { stream } = await src.registry.getBlob(src.image, blob.digest, { signal: src.signal });
  let entry!: ReturnType<Pack["entry"]>;
  const done = new Promise<void>((resolve, reject) => {
    entry = pack.entry({ name, size: blob.size, mtime: src.mtime, mode: 0o644 }, (err) =>
      err ? reject(err) : resolve(),
    );
  });
  // A destroyed pack destroys the entry: its error reaches us through `done` (awaited
  // below or raced in drained()); these handlers only keep it from being "unhandled".
  done.catch(() => undefined);
  entry.on("error", () => undefined);
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      bytes += buf.length;
      if (bytes > blob.size) break;
      hash.update(buf);
      if (!entry.write(buf)) await drained(entry, done);
    }
    const actual = `sha256:${hash.digest("hex")}`;
    if (bytes !== blob.size || actual !== blob.digest) {
      throw new BackupError(
        `blob ${blob.digest} from the registry is ${bytes > blob.size ? "longer than" : `${bytes} bytes, not`} ${blob.size} bytes` +
          (bytes === blob.size ? ` (its sha256 is ${actual})` : ""),
      );
    }
    // streamx's end() takes an optional last chunk; its typings make it look required.
    entry.end(undefined);
    await done;
    return bytes;
  } catch (err) {
    stream.destroy();
    entry.destroy();
    throw err;
  }
}

/** Resolves when the entry wants more data; rejects when it was destroyed instead. */
function drained(entry: ReturnType<Pack["entry"]>, done: Promise<void>): Promise<void> {
  return Promise.race([
    new Promise<void>((resolve) => entry.once("drain", () => resolve())),
    done.then(() => {
      throw new BackupError("the tar entry ended before its blob was written");
    }),
  ]);
}

/** Writes the whole layout for one platform and returns the blob bytes written. */
export async function writeOciLayout(pack: Pack, src: LayoutSource): Promise<number> {
  const manifest = src.manifest;
  const json = parseImageManifest(manifest);
  await addBuffer(pack, "oci-layout", JSON.stringify({ imageLayoutVersion: "1.0.0" }), src.mtime);
  for (const dir of ["blobs/", "blobs/sha256/"]) await addDirectory(pack, dir, src.mtime);
  let bytes = 0;
  const written = new Set<string>();
  for (const blob of [json.config, ...json.layers]) {
    if (written.has(blob.digest)) continue; // the same layer twice is one blob in a layout
    written.add(blob.digest);
    bytes += await addBlob(pack, src, blob);
  }
  await addBuffer(pack, blobPath(manifest.digest), manifest.bytes, src.mtime);
  bytes += manifest.bytes.length;
  await addBuffer(pack, "index.json", JSON.stringify(buildLayoutIndex(src, manifest)), src.mtime);
  return bytes;
}

/** The config and layers of an image manifest; throws BackupError for anything else. */
export function parseImageManifest(manifest: FetchedManifest): { config: Descriptor; layers: Descriptor[] } {
  const json = manifest.json as { config?: Descriptor; layers?: Descriptor[] };
  if (!json.config || !Array.isArray(json.layers)) {
    throw new BackupError(`manifest ${manifest.digest} has no config or layers; it is not an image manifest`);
  }
  return { config: json.config, layers: json.layers };
}

/** index.json with the names `docker load` and containerd use to tag the image. */
export function buildLayoutIndex(
  src: Pick<LayoutSource, "image" | "platform">,
  manifest: { mediaType: string; digest: string; size: number },
): Record<string, unknown> {
  const annotations: Record<string, string> = {};
  if (src.image.tag !== undefined) {
    annotations["io.containerd.image.name"] =
      `${src.image.registry}/${src.image.repository}:${src.image.tag}`;
    annotations["org.opencontainers.image.ref.name"] = src.image.tag;
  }
  return {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.size,
        platform: parsePlatform(src.platform),
        ...(Object.keys(annotations).length > 0 && { annotations }),
      },
    ],
  };
}
