// Builds this repository's Dockerfiles for real with buildx on the stack's dockerd,
// swapping the unreachable base images for the stack's stand-ins with named build
// contexts, so the Dockerfiles are built exactly as committed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run, type RunResult } from "../../../builder/src/process/spawn.js";

/** The Docker 26 CLI (/usr/local/bin/docker on these machines is an unrelated client). */
export const DOCKER = "/usr/bin/docker";
export const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");

export interface ImageBuildSpec {
  dockerfile: string;
  tag: string;
  contexts?: Record<string, string>;
  buildArgs?: Record<string, string>;
  /** Build secrets: id -> source file. */
  secrets?: Record<string, string>;
  /** RUN steps use the host's network (to reach loopback servers such as a package index). */
  hostNetwork?: boolean;
  push?: boolean;
  metadataFile: string;
}

export function buildImageArgv(spec: ImageBuildSpec): string[] {
  const argv = [DOCKER, "buildx", "build", "--progress=plain", "-f", path.join(REPO_ROOT, spec.dockerfile)];
  for (const [name, value] of Object.entries(spec.contexts ?? {}))
    argv.push("--build-context", `${name}=${value}`);
  for (const [name, value] of Object.entries(spec.buildArgs ?? {}))
    argv.push("--build-arg", `${name}=${value}`);
  for (const [id, src] of Object.entries(spec.secrets ?? {})) argv.push("--secret", `id=${id},src=${src}`);
  if (spec.hostNetwork) argv.push("--network=host");
  argv.push("--metadata-file", spec.metadataFile, "-t", spec.tag);
  if (spec.push) argv.push("--push");
  argv.push(REPO_ROOT);
  return argv;
}

export interface BuiltImage {
  tag: string;
  digest: string;
  result: RunResult;
}

export async function buildImage(spec: Omit<ImageBuildSpec, "metadataFile">): Promise<BuiltImage> {
  const dir = mkdtempSync(path.join(tmpdir(), "comfyume-image-"));
  try {
    const metadataFile = path.join(dir, "metadata.json");
    const result = await run(buildImageArgv({ ...spec, metadataFile }), { keepLines: 60 });
    if (result.exitCode !== 0) {
      throw new Error(
        `building ${spec.dockerfile} failed (exit ${result.exitCode}):\n${result.stderr.join("\n")}`,
      );
    }
    const metadata = JSON.parse(readFileSync(metadataFile, "utf8")) as Record<string, unknown>;
    return { tag: spec.tag, digest: String(metadata["containerimage.digest"]), result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the docker CLI and returns stdout, throwing with stderr when it fails. */
export async function docker(args: string[]): Promise<string> {
  const result = await run([DOCKER, ...args], { keepLines: 400 });
  if (result.exitCode !== 0) throw new Error(`docker ${args.join(" ")} failed: ${result.stderr.join("\n")}`);
  return result.stdout.join("\n");
}

/**
 * Builds Dockerfile.builder against the stand-in bases. `caBundle`: a CA bundle for npm
 * behind a TLS-intercepting proxy (the optional npm_ca build secret), or undefined.
 */
export function buildBuilderImage(
  mirror: string,
  tag: string,
  caBundle: string | undefined,
): Promise<BuiltImage> {
  return buildImage({
    dockerfile: "Dockerfile.builder",
    tag,
    contexts: {
      "node:22-bookworm-slim": `docker-image://${mirror}/stand-in/node:22-bookworm-slim`,
      "docker:26.1.5-cli": `docker-image://${mirror}/stand-in/docker-cli:26.1.5`,
      "docker/buildx-bin:0.13.1": `docker-image://${mirror}/stand-in/buildx-bin:0.13.1`,
      ...npmCacheContext(),
    },
    ...(caBundle ? { secrets: { npm_ca: caBundle } } : {}),
  });
}

/**
 * This machine's npm cache (filled by setup's `npm ci` for the same lockfile) as the image's
 * `npm-cache` context, so its `npm ci` steps install offline: through the proxy in front of
 * the npm registry they took up to 5 minutes, and once timed out (ETIMEDOUT on typescript).
 */
function npmCacheContext(): Record<string, string> {
  const result = spawnSync("npm", ["config", "get", "cache"], { encoding: "utf8" });
  if (result.status !== 0 || !result.stdout) return {};
  const dir = path.join(result.stdout.trim(), "_cacache");
  return existsSync(dir) ? { "npm-cache": dir } : {};
}

/**
 * The CA bundle the image builds give npm (as the npm_ca secret): the one this process was
 * told to trust, else the system bundle — which on these machines includes the CA of the
 * TLS-intercepting proxy in front of the npm registry. Extra CAs are harmless without one.
 */
export function resolveCaBundle(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const candidate of [
    env.NODE_EXTRA_CA_CERTS,
    env.SSL_CERT_FILE,
    "/etc/ssl/certs/ca-certificates.crt",
  ]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}
