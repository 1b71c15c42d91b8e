// `comfyume-builder smoke <image-ref> --file SMOKE [--junit FILE] [--json]`: run a smoke
// file against any pushed image, inside BuildKit. Registry credentials come from the
// config's `registries`, or, for a registry the config does not name, from `docker
// login` (DOCKER_CONFIG or ~/.docker). Exit codes as SPEC §6: 0 passed, 3 a test failed,
// 2 a bad smoke file or image reference, 5 the registry is unreachable or refuses us,
// 4 cancelled, 1 anything else; always a one-line reason, never a stack trace.
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EXIT, type ExitCode } from "../../../common/exit-codes.js";
import { createDockerConfig, type RegistryCredential } from "../buildx/docker-config.js";
import type { BuilderEnv } from "../config/env.js";
import { ConfigError } from "../config/load-builder-config.js";
import { loadConfiguredBuilderConfig } from "../config/resolve-config-file.js";
import { isRegistryError } from "../registry/errors.js";
import { ImageRefError, parseImageRef } from "../registry/image-ref.js";
import { resolveDockerCredential } from "../smoke/docker-credentials.js";
import { SmokeError, type SmokeErrorCode } from "../smoke/errors.js";
import { buildJunitXml } from "../smoke/junit.js";
import { runSmoke } from "../smoke/run-smoke.js";
import type { SmokeOptions } from "./command-line.js";
import { errorMessage } from "../../../common/errors.js";

const EXIT_FOR: Record<SmokeErrorCode, ExitCode> = {
  SMOKE_FILE_INVALID: EXIT.USAGE,
  SMOKE_IMAGE_INVALID: EXIT.USAGE,
  SMOKE_IMAGE_NOT_FOUND: EXIT.UNREACHABLE,
  SMOKE_IMAGE_UNAUTHORIZED: EXIT.UNREACHABLE,
  SMOKE_REGISTRY_UNREACHABLE: EXIT.UNREACHABLE,
  SMOKE_USER_UNKNOWN: EXIT.BUILD_FAILED,
  SMOKE_TOOLS_MISSING: EXIT.BUILD_FAILED,
  SMOKE_BUILDX_UNAVAILABLE: EXIT.BUILD_FAILED,
  SMOKE_CANCELLED: EXIT.CANCELLED,
  SMOKE_RUN_FAILED: EXIT.BUILD_FAILED,
};

/** The exit code for what stopped a smoke run (SPEC §6). */
export function exitCodeForSmokeError(err: unknown): ExitCode {
  if (err instanceof SmokeError) return EXIT_FOR[err.code];
  if (err instanceof ImageRefError) return EXIT.USAGE;
  if (isRegistryError(err)) return EXIT.UNREACHABLE;
  return EXIT.BUILD_FAILED;
}

async function registryCredentials(
  env: BuilderEnv,
  processEnv: NodeJS.ProcessEnv,
  image: string,
): Promise<RegistryCredential[]> {
  const loaded = await loadConfiguredBuilderConfig(env);
  const configured = Object.entries(loaded.config.registries).flatMap(([host, r]) => {
    const username = processEnv[r.usernameEnv];
    const password = processEnv[r.passwordEnv];
    return username && password ? [{ host, username, password }] : [];
  });
  const host = parseImageRef(image).registry;
  if (configured.some((c) => c.host === host)) return configured;
  // As after `docker login`: the docker CLI's own config, for the image's registry only.
  const dockerConfigDir = processEnv.DOCKER_CONFIG || path.join(os.homedir(), ".docker");
  const fromDocker = await resolveDockerCredential(host, dockerConfigDir, processEnv);
  return fromDocker ? [...configured, fromDocker] : configured;
}

async function runCommand(
  env: BuilderEnv,
  processEnv: NodeJS.ProcessEnv,
  opts: SmokeOptions,
): Promise<ExitCode> {
  const registries = await registryCredentials(env, processEnv, opts.image);
  const dockerConfigDir = processEnv.DOCKER_CONFIG || path.join(os.homedir(), ".docker");
  const dockerConfig = await createDockerConfig({
    registries,
    baseDir: os.tmpdir(),
    linkBuildxStateFrom: path.join(dockerConfigDir, "buildx"),
  });
  try {
    const creds = new Map(registries.map((c) => [c.host, c]));
    const summary = await runSmoke({
      registryCredentials: (host) => creds.get(host),
      file: opts.file,
      image: { kind: "registry", ref: opts.image },
      docker: env.BUILDER_DOCKER,
      env: { ...processEnv, DOCKER_CONFIG: dockerConfig.dir },
      // Run by hand, the runner's environment is the user's own, as with
      // container-structure-test: containerRunOptions.envVars are taken from it.
      hostEnv: processEnv,
      secrets: registries.map((r) => r.password),
      ...(env.BUILDER_BUILDX_BUILDER ? { builder: env.BUILDER_BUILDX_BUILDER } : {}),
    });
    for (const t of summary.results) {
      process.stderr.write(
        `${t.passed ? "PASS" : "FAIL"} ${t.name} (${t.durationMs} ms)${t.message && !t.passed ? `: ${t.message}` : ""}\n`,
      );
    }
    process.stderr.write(`${summary.passed} passed, ${summary.failed} failed\n`);
    if (opts.junit) await writeFile(opts.junit, buildJunitXml(summary));
    if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.failed > 0 ? EXIT.SMOKE_FAILED : EXIT.OK;
  } finally {
    await dockerConfig.cleanup();
  }
}

export async function smokeCommand(
  env: BuilderEnv,
  processEnv: NodeJS.ProcessEnv,
  opts: SmokeOptions,
): Promise<ExitCode> {
  try {
    return await runCommand(env, processEnv, opts);
  } catch (err) {
    // A config file error is main.ts's to report (exit 2); everything else is said here,
    // in one line, with the exit code SPEC §6 gives it.
    if (err instanceof ConfigError) throw err;
    process.stderr.write(`comfyume-builder smoke: ${errorMessage(err)}\n`);
    return exitCodeForSmokeError(err);
  }
}
