// The checks behind /readyz (SPEC §4): buildx answers, and the data and cache dirs are
// writable and have free space. Each check is a sentence when it fails so an operator
// reading the 503 knows what to fix.
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describeLowDisk, resolveDiskUsage, type DiskThresholds } from "../guards/disk.js";
import { run } from "../process/spawn.js";
import type { ReadyCheck } from "./deps.js";

export interface ReadinessOptions {
  docker: string;
  buildxBuilder?: string;
  /** Environment of the docker CLI (DOCKER_HOST, DOCKER_CONFIG...). */
  env: NodeJS.ProcessEnv;
  dirs: { name: string; path: string }[];
  thresholds: DiskThresholds;
  timeoutMs?: number;
}

/** argv of the buildx probe. Pure. */
export function buildBuildxProbeArgv(docker: string, builder?: string): string[] {
  return [docker, "buildx", "inspect", ...(builder ? ["--", builder] : [])];
}

async function checkBuildx(opts: ReadinessOptions): Promise<ReadyCheck> {
  const argv = buildBuildxProbeArgv(opts.docker, opts.buildxBuilder);
  try {
    const result = await run(argv, {
      env: opts.env,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      keepLines: 5,
    });
    if (result.exitCode === 0) return { name: "buildx", ok: true };
    const why = result.aborted
      ? "did not answer in time"
      : `exited with ${result.exitCode}: ${result.stderr.join(" ").slice(0, 300)}`;
    return { name: "buildx", ok: false, message: `\`${argv.join(" ")}\` ${why}.` };
  } catch (err) {
    return {
      name: "buildx",
      ok: false,
      message: `\`${argv.join(" ")}\` could not run: ${(err as Error).message}.`,
    };
  }
}

async function checkDir(name: string, dir: string, t: DiskThresholds): Promise<ReadyCheck> {
  const probe = path.join(dir, `.readyz-${randomBytes(6).toString("hex")}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, "ok");
    await rm(probe, { force: true });
  } catch (err) {
    return { name, ok: false, message: `${dir} is not writable: ${(err as Error).message}.` };
  }
  const low = describeLowDisk(await resolveDiskUsage(dir), t);
  return low ? { name, ok: false, message: `${low}.` } : { name, ok: true };
}

export async function resolveReadiness(opts: ReadinessOptions): Promise<ReadyCheck[]> {
  return Promise.all([checkBuildx(opts), ...opts.dirs.map((d) => checkDir(d.name, d.path, opts.thresholds))]);
}
