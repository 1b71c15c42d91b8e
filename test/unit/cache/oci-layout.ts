// Writes small, real OCI layouts shaped like a `--cache-to type=local` export:
// index.json -> an image index blob -> layer and config blobs.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

async function blob(dir: string, content: string | Buffer): Promise<{ digest: string; size: number }> {
  const data = Buffer.from(content);
  const hex = createHash("sha256").update(data).digest("hex");
  await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  await writeFile(path.join(dir, "blobs", "sha256", hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

/** A valid cache layout with `layerBytes` bytes of layers; returns the digests it wrote. */
export async function writeCacheLayout(
  dir: string,
  layerBytes = 1000,
  seed = "a",
): Promise<{ layers: string[]; index: string }> {
  const layerA = await blob(dir, Buffer.alloc(Math.floor(layerBytes / 2), seed));
  const layerB = await blob(dir, Buffer.alloc(layerBytes - Math.floor(layerBytes / 2), `${seed}b`));
  const config = await blob(dir, JSON.stringify({ layers: [layerA.digest, layerB.digest], seed }));
  const index = await blob(
    dir,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layerA },
        { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layerB },
        { mediaType: "application/vnd.buildkit.cacheconfig.v0", ...config },
      ],
    }),
  );
  await writeFile(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", ...index }],
    }),
  );
  await writeFile(path.join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  return { layers: [layerA.digest, layerB.digest], index: index.digest };
}

export function blobFile(dir: string, digest: string): string {
  return path.join(dir, "blobs", "sha256", digest.replace(/^sha256:/, ""));
}
