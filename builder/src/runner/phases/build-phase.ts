// build: `docker buildx build` with the target's settings, the per-target local cache,
// credentials in a per-build DOCKER_CONFIG, and a push by digest when pushing (no tag
// moves here; otherwise an OCI layout for the smoke phase). The result's digest and
// cache use go on the record.
import { readFile, realpath } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import type { BuildxSpec } from "../../buildx/argv.js";
import { createDockerConfig } from "../../buildx/docker-config.js";
import { describeUnconsumedBuildArgs, findUnconsumedBuildArgs } from "../../buildx/dockerfile-args.js";
import { runBuildx, type BuildxOutcome, type RunBuildxOptions } from "../../buildx/run-buildx.js";
import { runBuildxWithCache } from "../../cache/cached-build.js";
import type { CacheInfo } from "../../../../common/build-record.js";
import { isInside } from "../../source/context-paths.js";
import type { BuildContext } from "./context.js";
import { PhaseFailure } from "./phase-failure.js";
import { resolveRegistryCredentials } from "./secrets.js";
import { addWarning, recordOutputs } from "../../store/record-lifecycle.js";
import { computeBackoffMs, type RetryPolicy } from "../../registry/retry-policy.js";

/** How often a push the registry failed for a moment is tried, and how long between tries. */
const PUSH_ATTEMPTS = 3;
const PUSH_RETRY: RetryPolicy = { attempts: PUSH_ATTEMPTS, baseMs: 2_000, maxMs: 4_000 };

/**
 * Named contexts: URLs pass through; a relative path must stay inside the source root once
 * symlinks are resolved (a cloned repo or an upload may carry a link to `/`).
 */
export async function resolveBuildContexts(
  contexts: Record<string, string>,
  root: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const realRoot = await realpath(root);
  for (const [name, value] of Object.entries(contexts)) {
    if (/^[a-z-]+:\/\//.test(value)) {
      out[name] = value;
      continue;
    }
    const escapes = () =>
      new PhaseFailure(
        "BUILD_FAILED",
        `build context ${name}=${JSON.stringify(value)} escapes the source root`,
      );
    if (path.isAbsolute(value) || !isInside(realRoot, path.resolve(realRoot, value))) throw escapes();
    let real: string;
    try {
      real = await realpath(path.resolve(realRoot, value));
    } catch {
      throw new PhaseFailure(
        "BUILD_FAILED",
        `build context ${name}=${JSON.stringify(value)} does not exist in the source`,
      );
    }
    if (!isInside(realRoot, real)) throw escapes();
    out[name] = real;
  }
  return out;
}

function buildSecrets(ctx: BuildContext): BuildxSpec["secrets"] {
  return Object.entries(ctx.target.secrets).map(([id, envName]) => {
    const value = ctx.deps.secretEnv[envName];
    if (!value) {
      throw new PhaseFailure(
        "BUILD_FAILED",
        `build secret ${JSON.stringify(id)} needs env var ${envName}, which is not set`,
      );
    }
    ctx.childEnv[envName] = value;
    return { id, env: envName };
  });
}

function outcomeFailure(outcome: BuildxOutcome, platforms: readonly string[]): PhaseFailure {
  let message = outcome.error?.message ?? `docker buildx build exited with ${outcome.exitCode}`;
  // BuildKit's words for a base image without the requested platform; say which ones were asked for.
  if (/no match for platform in manifest/.test(message))
    message += ` (a base image has no variant for ${platforms.join(", ")}; build for the platforms it provides)`;
  return new PhaseFailure(outcome.error?.kind === "push" ? "PUSH_FAILED" : "BUILD_FAILED", message);
}

/** A build arg the Dockerfile never declares does nothing: say so on the record and in the log. */
async function warnUnconsumedBuildArgs(
  ctx: BuildContext,
  buildArgs: Record<string, string>,
  stage: string | null,
): Promise<void> {
  const dockerfile = ctx.dockerfile!;
  const text = await readFile(dockerfile, "utf8");
  const warning = describeUnconsumedBuildArgs(
    path.relative(ctx.sourceRoot!, dockerfile),
    findUnconsumedBuildArgs(text, Object.keys(buildArgs), stage),
  );
  if (!warning) return;
  ctx.sink.log("system", `warning: ${warning}`);
  ctx.record = await ctx.sink.update((r) => addWarning(r, warning));
}

export async function runBuildPhase(ctx: BuildContext): Promise<void> {
  const { deps, target, record } = ctx;
  if (!ctx.contextDir || !ctx.dockerfile || !ctx.sourceRoot) throw new Error("build phase ran before source");
  const dockerConfig = await createDockerConfig({
    registries: resolveRegistryCredentials(deps),
    baseDir: ctx.workDir,
    ...(deps.buildxStateDir ? { linkBuildxStateFrom: deps.buildxStateDir } : {}),
  });
  ctx.cleanups.push(() => dockerConfig.cleanup());
  ctx.childEnv.DOCKER_CONFIG = dockerConfig.dir;

  const spec: Omit<BuildxSpec, "cacheFrom" | "cacheTo"> = {
    ...(deps.env.BUILDER_BUILDX_BUILDER ? { builder: deps.env.BUILDER_BUILDX_BUILDER } : {}),
    contextDir: ctx.contextDir,
    dockerfile: ctx.dockerfile,
    // Pushed by digest: the requested tags move in the tag phase, after the smoke tests.
    tags: [],
    platforms: record.platforms,
    buildArgs: { ...target.buildArgs, ...record.params.buildArgs },
    buildContexts: await resolveBuildContexts(target.buildContexts, ctx.sourceRoot),
    secrets: buildSecrets(ctx),
    stage: target.stage,
    metadataFile: path.join(ctx.workDir, "metadata.json"),
    cacheRegistryRef: target.cache.registryRef,
    noCache: record.params.noCache,
    push: false,
    ...(record.push ? { pushByDigest: target.image } : {}),
    progress: "plain",
  };
  await warnUnconsumedBuildArgs(ctx, spec.buildArgs, target.stage);
  if (!record.push) {
    ctx.ociLayoutDir = path.join(ctx.workDir, "oci");
    spec.output = { type: "oci-layout", dest: ctx.ociLayoutDir };
  }
  const options: RunBuildxOptions = {
    docker: deps.env.BUILDER_DOCKER,
    env: ctx.childEnv,
    caps: await deps.capabilities(),
    signal: ctx.signal,
    onLine: (stream: "stdout" | "stderr", line: string) => ctx.sink.log(stream, line),
    secrets: ctx.secrets,
    onCommand: (argv: readonly string[]) => ctx.sink.log("system", `$ ${argv.join(" ")}`),
  };
  let outcome: BuildxOutcome;
  let cache: CacheInfo | null;
  for (let attempt = 1; ; attempt++) {
    ({ outcome, cache } = await buildOnce(ctx, spec, options));
    if (outcome.ok || outcome.aborted || !outcome.error?.transient || attempt >= PUSH_ATTEMPTS) break;
    if (record.params.noCache) {
      // Without the cache the build would run in full again, not just the push.
      ctx.sink.log("system", `push: ${outcome.error.message}; not pushing again: this is a --no-cache build`);
      break;
    }
    // The registry failed the push for a moment (GHCR in an incident, a dropped connection):
    // BuildKit has every layer now, so running the same build again only pushes.
    const delayMs = computeBackoffMs(attempt, PUSH_RETRY);
    ctx.sink.log(
      "system",
      `push: ${outcome.error.message}; pushing again in ${delayMs} ms (attempt ${attempt + 1} of ${PUSH_ATTEMPTS})`,
    );
    try {
      await sleep(delayMs, undefined, { signal: ctx.signal });
    } catch {
      throw new PhaseFailure("CANCELLED", "buildx was stopped");
    }
  }
  if (outcome.aborted) throw new PhaseFailure("CANCELLED", "buildx was stopped");
  if (!outcome.ok) throw outcomeFailure(outcome, record.platforms);
  const digest = outcome.metadata?.digest ?? null;
  ctx.record = await ctx.sink.update((r) => recordOutputs(r, { digest, cache }));
  ctx.sink.log(
    "system",
    `built ${digest ?? "(no digest)"}: ${outcome.steps.cached} of ${outcome.steps.total} steps from cache`,
  );
}

/** One `docker buildx build`, through the target's local cache when it has one. */
async function buildOnce(
  ctx: BuildContext,
  spec: Omit<BuildxSpec, "cacheFrom" | "cacheTo">,
  options: RunBuildxOptions,
): Promise<{ outcome: BuildxOutcome; cache: CacheInfo | null }> {
  const { deps, target, record } = ctx;
  let outcome: BuildxOutcome;
  let cache: CacheInfo | null = null;
  if (target.cache.local && !record.params.noCache) {
    const maxBytes = Math.min(deps.env.BUILDER_CACHE_MAX_BYTES, target.cache.maxBytes ?? Infinity);
    const result = await runBuildxWithCache(spec, {
      ...options,
      store: deps.cacheStore,
      target: record.target,
      maxBytes,
    });
    outcome = result.outcome;
    cache = result.cache;
    if (result.commitError) ctx.sink.log("system", `cache: not kept: ${result.commitError}`);
    if (result.budget.evicted.length) {
      ctx.sink.log(
        "system",
        `cache: evicted ${result.budget.evicted.join(", ")} to stay under ${maxBytes} bytes`,
      );
    }
  } else {
    outcome = await runBuildx(spec, options);
  }
  return { outcome, cache };
}
