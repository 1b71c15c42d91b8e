// The checks behind /readyz (SPEC §4; http/routes/system.ts renders them): buildx answers, and the data and cache dirs are
// writable and have free space. Each check is a sentence when it fails so an operator
// reading the 503 knows what to fix.
import { randomBytes } from "node:crypto";
import { errorMessage } from "../../../common/errors.js";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describeLowDisk, resolveDiskUsage, type DiskThresholds } from "./disk.js";
import { BuildxError } from "../buildx/errors.js";
import { resolveBuildxCapabilities } from "../buildx/version.js";

/** One readiness check: name, whether it passed, and a sentence when it did not. */
export interface ReadyCheck {
  name: string;
  ok: boolean;
  message?: string;
}

export interface ReadinessOptions {
  docker: string;
  buildxBuilder?: string;
  /** Environment of the docker CLI (DOCKER_HOST, DOCKER_CONFIG...). */
  env: NodeJS.ProcessEnv;
  dirs: { name: string; path: string }[];
  thresholds: DiskThresholds;
  timeoutMs?: number;
  /** How long a docker-container builder may take to start (its image may be pulled). */
  bootstrapTimeoutMs?: number;
  /** The entrypoint's BuildKit setup failure (BUILDER_BUILDKIT_SETUP_ERROR), if any. */
  setupError?: string;
}

/**
 * buildx is ready when builds can succeed on it: the builder exists and answers, a remote
 * BuildKit is reachable, a docker-container builder can start, and the docker driver has
 * the containerd image store it needs for cache export (the same probe builds use).
 */
async function checkBuildx(opts: ReadinessOptions): Promise<ReadyCheck> {
  if (opts.setupError) {
    return {
      name: "buildx",
      ok: false,
      message: `The entrypoint could not set up BuildKit: ${opts.setupError}.`,
    };
  }
  try {
    await resolveBuildxCapabilities({
      docker: opts.docker,
      ...(opts.buildxBuilder ? { builder: opts.buildxBuilder } : {}),
      env: opts.env,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      bootstrap: { signal: AbortSignal.timeout(opts.bootstrapTimeoutMs ?? 300_000) },
    });
    return { name: "buildx", ok: true };
  } catch (err) {
    const message =
      err instanceof BuildxError ? err.message : `buildx could not be asked: ${errorMessage(err)}`;
    return { name: "buildx", ok: false, message: message.endsWith(".") ? message : `${message}.` };
  }
}

async function checkDir(name: string, dir: string, t: DiskThresholds): Promise<ReadyCheck> {
  const probe = path.join(dir, `.readyz-${randomBytes(6).toString("hex")}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, "ok");
    await rm(probe, { force: true });
  } catch (err) {
    return { name, ok: false, message: `${dir} is not writable: ${errorMessage(err)}.` };
  }
  const low = describeLowDisk(await resolveDiskUsage(dir), t);
  return low ? { name, ok: false, message: `${low}.` } : { name, ok: true };
}

export async function resolveReadiness(opts: ReadinessOptions): Promise<ReadyCheck[]> {
  return Promise.all([checkBuildx(opts), ...opts.dirs.map((d) => checkDir(d.name, d.path, opts.thresholds))]);
}
