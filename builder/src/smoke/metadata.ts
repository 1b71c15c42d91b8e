// The image's config (ENV, LABEL, EXPOSE, ENTRYPOINT, CMD, WORKDIR, USER), read without
// running anything: for a registry image with `docker buildx imagetools inspect --format
// '{{json .Image}}'` (one config object for a single-platform image, even with an
// attestation manifest beside it; an object keyed by "os/arch[/variant]" for a
// multi-platform index — both verified on this stack with buildx 0.13.1), for an OCI
// layout from index.json → manifest → config blob.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { run } from "../process/spawn.js";
import { SmokeError } from "./errors.js";
import { describeImageSource, isDigest, type SmokeImageSource } from "./image-source.js";
import { classifyDockerFailure } from "./docker-errors.js";
import type { EnvList } from "./container-env.js";
import { errorMessage } from "../../../common/errors.js";

export interface ImageConfig {
  user: string;
  workingDir: string;
  /** Env as a map (the last of a repeated name wins, as the driver's convertSliceToMap). */
  env: Record<string, string>;
  /** Env in order, as the image lists it. */
  envList: EnvList;
  /** Keys of the config's Volumes. */
  volumes: string[];
  labels: Record<string, string>;
  /** Keys as in the config, e.g. "8188/tcp". */
  exposedPorts: string[];
  entrypoint: string[];
  cmd: string[];
}

export interface ResolvedImage {
  config: ImageConfig;
  /** For an OCI layout: the digest of the index.json entry that was chosen. */
  digest?: string;
}

export interface RawConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  config?: {
    User?: string;
    WorkingDir?: string;
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, unknown> | null;
    Volumes?: Record<string, unknown> | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
  };
}

/** Pure: the OCI image config JSON → the fields smoke tests look at. */
export function parseImageConfig(raw: RawConfig): ImageConfig {
  const c = raw.config ?? {};
  const env: Record<string, string> = {};
  const envList: EnvList = [];
  for (const entry of c.Env ?? []) {
    const eq = entry.indexOf("=");
    if (eq < 0) continue;
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
    envList.push([entry.slice(0, eq), entry.slice(eq + 1)]);
  }
  return {
    user: c.User ?? "",
    workingDir: c.WorkingDir ?? "",
    env,
    envList,
    volumes: Object.keys(c.Volumes ?? {}),
    labels: { ...(c.Labels ?? {}) },
    exposedPorts: Object.keys(c.ExposedPorts ?? {}),
    entrypoint: c.Entrypoint ?? [],
    cmd: c.Cmd ?? [],
  };
}

function isConfigObject(value: unknown): value is RawConfig {
  return typeof value === "object" && value !== null && ("config" in value || "architecture" in value);
}

/**
 * Pure: picks the config for `platform` from imagetools' `.Image` output. A single
 * config is returned as is; a platform map needs the platform (default linux/amd64,
 * what the builder builds for).
 */
export function selectPlatformConfig(value: unknown, platform = "linux/amd64"): RawConfig {
  if (isConfigObject(value)) return value;
  if (typeof value !== "object" || value === null) throw new Error("the image config is not a JSON object");
  const map = value as Record<string, RawConfig>;
  const found = map[platform] ?? (platform === "linux/arm64" ? map["linux/arm64/v8"] : undefined);
  if (!found) {
    throw new SmokeError(
      "SMOKE_IMAGE_NOT_FOUND",
      `the image has no ${platform} variant; it has ${Object.keys(map).join(", ") || "none"}`,
    );
  }
  return found;
}

export interface RegistryConfigOptions {
  docker: string;
  env: NodeJS.ProcessEnv;
  builder?: string;
  platform?: string;
  signal?: AbortSignal;
  secrets?: readonly string[];
}

export async function resolveRegistryConfig(
  ref: string,
  options: RegistryConfigOptions,
): Promise<ImageConfig> {
  const argv = [options.docker, "buildx", "imagetools", "inspect"];
  if (options.builder) argv.push("--builder", options.builder);
  argv.push("--format", "{{json .Image}}", ref);
  const result = await run(argv, {
    env: options.env,
    keepLines: 100_000,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  }).catch((err: Error) => {
    throw new SmokeError("SMOKE_BUILDX_UNAVAILABLE", `could not run ${options.docker}: ${err.message}`);
  });
  if (result.aborted) throw new SmokeError("SMOKE_CANCELLED", `reading the config of ${ref} was cancelled`);
  if (result.exitCode !== 0) throw classifyDockerFailure(result.stderr, ref, "read the config of");
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout.join("\n"));
  } catch {
    throw new SmokeError("SMOKE_RUN_FAILED", `imagetools printed something that is not JSON for ${ref}`);
  }
  return parseImageConfig(selectPlatformConfig(parsed, options.platform));
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];

function platformOf(d: Descriptor): string {
  const p = d.platform ?? {};
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

async function readBlob(dir: string, digest: string): Promise<{ mediaType?: string; [k: string]: unknown }> {
  if (!isDigest(digest))
    throw new SmokeError("SMOKE_IMAGE_INVALID", `${JSON.stringify(digest)} is not a sha256 digest`);
  const file = path.join(dir, "blobs", "sha256", digest.slice("sha256:".length));
  return JSON.parse(await readFile(file, "utf8")) as { mediaType?: string };
}

export function pickManifest(manifests: Descriptor[], platform: string, where: string): Descriptor {
  const images = manifests.filter((m) => m.platform?.architecture !== "unknown"); // attestations
  const found =
    images.find((m) => !m.platform || platformOf(m) === platform) ??
    // arm64 images often say variant v8; asking for linux/arm64 means that one too.
    (platform === "linux/arm64" ? images.find((m) => platformOf(m) === "linux/arm64/v8") : undefined) ??
    (images.length === 1 ? images[0] : undefined);
  if (!found) {
    throw new SmokeError(
      "SMOKE_IMAGE_NOT_FOUND",
      `${where} has no ${platform} image; it has ${images.map(platformOf).join(", ") || "none"}`,
    );
  }
  return found;
}

/** Reads an OCI layout's image config; also returns the digest BuildKit should be given. */
export async function resolveLayoutConfig(
  source: Extract<SmokeImageSource, { kind: "oci-layout" }>,
  platform = "linux/amd64",
): Promise<ResolvedImage> {
  const where = describeImageSource(source);
  try {
    const index = JSON.parse(await readFile(path.join(source.dir, "index.json"), "utf8")) as {
      manifests?: Descriptor[];
    };
    const top = source.digest
      ? { digest: source.digest }
      : pickManifest(index.manifests ?? [], platform, `${source.dir}/index.json`);
    let blob = await readBlob(source.dir, top.digest);
    if (INDEX_TYPES.includes(blob.mediaType ?? "") || Array.isArray(blob.manifests)) {
      const chosen = pickManifest(blob.manifests as Descriptor[], platform, where);
      blob = await readBlob(source.dir, chosen.digest);
    }
    const config = await readBlob(source.dir, (blob.config as Descriptor).digest);
    return { config: parseImageConfig(config as RawConfig), digest: top.digest };
  } catch (err) {
    if (err instanceof SmokeError) throw err;
    throw new SmokeError(
      "SMOKE_IMAGE_NOT_FOUND",
      `could not read the image config from ${where}: ${errorMessage(err)}`,
    );
  }
}
