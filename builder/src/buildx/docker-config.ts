// A per-build DOCKER_CONFIG directory: registry credentials reach buildx (and, through
// its session, BuildKit) from a 0600 config.json in a 0700 directory that exists only
// for the build, so they are never in argv, in the environment of other builds, or in
// the user's own ~/.docker. buildx keeps its builder state in $DOCKER_CONFIG/buildx,
// so the real state directory is linked in and named builders (e.g. a `remote`
// BuildKit) stay visible.
import { mkdtemp, open, rm, stat, symlink, chmod } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { registryHostSchema } from "../../../common/values.js";
import { BuildxError } from "./errors.js";

export interface RegistryCredential {
  /** Registry host as in image references, e.g. "ghcr.io" or "127.0.0.1:5001". */
  host: string;
  username: string;
  password: string;
}

export interface CreateDockerConfigOptions {
  registries: RegistryCredential[];
  /** Where the directory is made (default: the OS temp dir). Must be on local disk, not shared storage. */
  baseDir?: string;
  /** The real buildx state directory (usually ~/.docker/buildx), linked as <dir>/buildx when it exists. */
  linkBuildxStateFrom?: string;
}

export interface DockerConfigDir {
  /** Set DOCKER_CONFIG to this for the build. */
  dir: string;
  /** Removes the directory and the credentials in it. Safe to call more than once. */
  cleanup(): Promise<void>;
}

/** The config.json object for these credentials (pure; `auths` with base64 user:password). */
export function buildDockerConfigJson(registries: readonly RegistryCredential[]): {
  auths: Record<string, { auth: string }>;
} {
  const auths: Record<string, { auth: string }> = {};
  for (const r of registries) {
    if (!registryHostSchema.safeParse(r.host).success) {
      throw new BuildxError(
        "BUILDX_INVALID_SPEC",
        `registry host ${JSON.stringify(r.host)} is not a host such as "ghcr.io" or "127.0.0.1:5001"`,
      );
    }
    // Basic auth cannot carry a ':' in the user name (RFC 7617), and the values are
    // secrets, so the message names the registry, never the value.
    if (r.username.length === 0 || r.username.includes(":")) {
      throw new BuildxError(
        "BUILDX_INVALID_SPEC",
        `the user name for registry ${r.host} must be non-empty and must not contain ':'`,
      );
    }
    if (r.password.length === 0) {
      throw new BuildxError("BUILDX_INVALID_SPEC", `the password for registry ${r.host} is empty`);
    }
    auths[r.host] = { auth: Buffer.from(`${r.username}:${r.password}`, "utf8").toString("base64") };
  }
  return { auths };
}

/** Creates the directory; the caller must call cleanup() when the build has ended, whatever its outcome. */
export async function createDockerConfig(options: CreateDockerConfigOptions): Promise<DockerConfigDir> {
  const content = JSON.stringify(buildDockerConfigJson(options.registries));
  const dir = await mkdtemp(path.join(options.baseDir ?? os.tmpdir(), "comfyume-docker-config-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await chmod(dir, 0o700);
    const handle = await open(path.join(dir, "config.json"), "wx", 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    if (options.linkBuildxStateFrom && (await isDirectory(options.linkBuildxStateFrom))) {
      await symlink(path.resolve(options.linkBuildxStateFrom), path.join(dir, "buildx"), "dir");
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { dir, cleanup };
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}
