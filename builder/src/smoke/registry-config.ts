// The image config of a registry image read in-process with the project's registry
// client (manifest → the platform's manifest → config blob): no docker CLI process to
// start, which is most of the ~200 ms (more under load) that `buildx imagetools inspect`
// takes. Used when the caller can name the registry credentials; otherwise metadata.ts
// asks imagetools, which reads them from DOCKER_CONFIG.
import { createHash } from "node:crypto";
import { RegistryClient, type RegistryCredentials } from "../registry/client.js";
import { isRegistryError } from "../registry/errors.js";
import { parseImageRef, type ImageRef } from "../registry/image-ref.js";
import { isIndexMediaType } from "../registry/media-types.js";
import { SmokeError } from "./errors.js";
import {
  parseImageConfig,
  pickManifest,
  type Descriptor,
  type ImageConfig,
  type RawConfig,
} from "./metadata.js";
import { errorMessage } from "../../../common/errors.js";

export interface RegistryReadOptions {
  /** Credentials by registry host; undefined = anonymous. */
  credentials: (host: string) => RegistryCredentials | undefined;
  /** Default linux/amd64, as imagetools' platform map is read in metadata.ts. */
  platform?: string;
  signal?: AbortSignal;
}

/** An image config is a few KiB; anything this large is not one. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

async function readConfigBlob(client: RegistryClient, image: ImageRef, digest: string, signal?: AbortSignal) {
  const { stream } = await client.getBlob(image, digest, signal ? { signal } : {});
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > MAX_CONFIG_BYTES) {
      stream.destroy();
      throw new SmokeError(
        "SMOKE_IMAGE_INVALID",
        `the config blob ${digest} is over ${MAX_CONFIG_BYTES} bytes`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  if (actual !== digest) {
    throw new SmokeError("SMOKE_IMAGE_INVALID", `the config blob ${digest} has the sha256 ${actual}`);
  }
  return JSON.parse(bytes.toString("utf8")) as RawConfig;
}

function toSmokeError(err: unknown, ref: string, signal?: AbortSignal): SmokeError {
  if (err instanceof SmokeError) return err;
  if (signal?.aborted) return new SmokeError("SMOKE_CANCELLED", `reading the config of ${ref} was cancelled`);
  const reason = errorMessage(err);
  if (isRegistryError(err, "REGISTRY_UNAUTHORIZED") || isRegistryError(err, "REGISTRY_DENIED")) {
    return new SmokeError(
      "SMOKE_IMAGE_UNAUTHORIZED",
      `the registry refused access to ${ref}: could not read the config of it (${reason}); check the registry credentials`,
    );
  }
  if (isRegistryError(err, "REGISTRY_UNAVAILABLE")) {
    return new SmokeError("SMOKE_REGISTRY_UNREACHABLE", `could not reach the registry of ${ref}: ${reason}`);
  }
  if (isRegistryError(err, "REGISTRY_NOT_FOUND")) {
    return new SmokeError("SMOKE_IMAGE_NOT_FOUND", `${ref} was not found in its registry: ${reason}`);
  }
  return new SmokeError("SMOKE_RUN_FAILED", `could not read the config of ${ref}: ${reason}`);
}

export async function readRegistryConfig(ref: string, options: RegistryReadOptions): Promise<ImageConfig> {
  const { signal } = options;
  const opts = signal ? { signal } : {};
  try {
    const client = new RegistryClient({ credentials: options.credentials });
    const image = parseImageRef(ref);
    let manifest = await client.getManifest(image, opts);
    if (isIndexMediaType(manifest.mediaType) || Array.isArray(manifest.json.manifests)) {
      const chosen = pickManifest(
        manifest.json.manifests as Descriptor[],
        options.platform ?? "linux/amd64",
        ref,
      );
      manifest = await client.getManifest({ ...image, tag: undefined, digest: chosen.digest }, opts);
    }
    const config = manifest.json.config as Descriptor | undefined;
    if (!config?.digest)
      throw new SmokeError("SMOKE_IMAGE_INVALID", `the manifest of ${ref} names no config`);
    return parseImageConfig(await readConfigBlob(client, image, config.digest, signal));
  } catch (err) {
    throw toSmokeError(err, ref, signal);
  }
}
