// Wires the real dependencies shared by `serve` and `run`: the config file, the store,
// the cache, buildx capabilities, R2, and the build runner. Only main.ts-side code calls it.
import { createHash } from "node:crypto";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import type { BuildRecord } from "../../common/build-record.js";
import type { R2Settings } from "./backup/r2.js";
import { BuildxError } from "./buildx/errors.js";
import { resolveBuildxCapabilities, type BuildxCapabilities } from "./buildx/version.js";
import { TargetCacheStore } from "./cache/target-cache.js";
import type { BuilderEnv } from "./config/env.js";
import type { LoadedBuilderConfig } from "./config/load-builder-config.js";
import { loadConfiguredBuilderConfig } from "./config/resolve-config-file.js";
import { createLogger } from "./logging/logger.js";
import type { BuilderConfig } from "./config/builder-config.js";
import { createBuildRunner } from "./runner/build-runner.js";
import { buildJobPaths } from "./jobs/job-paths.js";
import { Coordination } from "./jobs/leases.js";
import type { BuildExecutor, ResolveRef } from "./jobs/ports.js";
import type { RunnerDeps } from "./runner/runner-deps.js";
import { buildNotifySettings, createNotifier, type Notifier, type NotifyLogger } from "./notify/notifier.js";
import { buildChildEnv } from "./process/child-env.js";
import { resolveRemoteRef } from "./source/git.js";
import { UploadStore } from "./source/upload-store.js";
import { FileBuildStore } from "./store/file-build-store.js";

export interface Runtime {
  env: BuilderEnv;
  config: LoadedBuilderConfig;
  store: FileBuildStore;
  cacheStore: TargetCacheStore;
  /** Build-end notifications; `run` and `serve` await notifications.close() before exiting. */
  runner: BuildExecutor;
  notifications: Notifier;
  /** For BuildService: announces a build that really ended (called once per build across replicas). */
  onBuildEnded: ((record: BuildRecord) => void) | undefined;
  runnerDeps: RunnerDeps;
  resolveRef: ResolveRef;
  dataDir: string;
  uploadsDir: string;
  uploads: UploadStore;
  /** Per-build scratch of this data dir's builds, on local disk. */
  scratchRoot: string;
  /** The base environment of docker and git children (allow-listed, see process/child-env.ts). */
  childEnv: NodeJS.ProcessEnv;
}

/** Env vars the config names for credentials: never passed to a child unless a phase adds them. */
function configuredSecretNames(config: BuilderConfig): Set<string> {
  const names = new Set<string>();
  for (const r of Object.values(config.registries)) names.add(r.usernameEnv).add(r.passwordEnv);
  for (const s of Object.values(config.sources)) if ("tokenEnv" in s && s.tokenEnv) names.add(s.tokenEnv);
  return names;
}

/**
 * Scratch lives on local disk (clones and OCI layouts must not land on the SFS), under one
 * directory per data dir: a sweep only ever judges the builds of the data dir it reads.
 */
export function resolveScratchRoot(dataDir: string): string {
  const tag = createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 16);
  return path.join(tmpdir(), "comfyume-builder", tag);
}

/** R2 settings when all four R2 variables are set; undefined (backups skipped) otherwise. */
export function resolveR2Settings(env: BuilderEnv): (R2Settings & { bucket: string }) | undefined {
  const { R2_ENDPOINT, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, R2_WORKER_CONTAINER_TAR_BALL_BUCKET } = env;
  if (!R2_ENDPOINT || !R2_ACCESS_KEY_ID || !R2_SECRET_ACCESS_KEY || !R2_WORKER_CONTAINER_TAR_BALL_BUCKET) {
    return undefined;
  }
  return {
    endpoint: R2_ENDPOINT,
    accessKeyId: R2_ACCESS_KEY_ID,
    secretAccessKey: R2_SECRET_ACCESS_KEY,
    bucket: R2_WORKER_CONTAINER_TAR_BALL_BUCKET,
  };
}

function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    // A failed probe is not cached: the next build asks buildx again.
    pending ??= fn().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

export async function createRuntime(
  env: BuilderEnv,
  processEnv: NodeJS.ProcessEnv,
  loaded?: LoadedBuilderConfig,
  /** Where notification outcomes are logged (default: JSON lines on stderr). */
  notifyLogger?: NotifyLogger,
): Promise<Runtime> {
  // First: a bad NTFY_TOPIC is a configuration error, reported before anything else is set up.
  const notifications = createNotifier(
    buildNotifySettings(env),
    notifyLogger ??
      createLogger({ level: env.BUILDER_LOG_LEVEL, write: (line) => process.stderr.write(`${line}\n`) }),
  );
  const config = loaded ?? (await loadConfiguredBuilderConfig(env));
  const dataDir = path.resolve(env.BUILDER_DATA_DIR);
  const uploadsDir = path.join(dataDir, "uploads");
  const store = new FileBuildStore(dataDir);
  const coord = new Coordination(buildJobPaths(dataDir));
  // Crash leftovers are swept by the job layer's sweeper, at start and on its timer, for
  // targets no build holds on any replica.
  const cacheStore = new TargetCacheStore(path.resolve(env.BUILDER_CACHE_DIR), {
    isTargetBusy: (target) => coord.isTargetBusy(target, new Date()),
  });
  const childEnv = buildChildEnv(processEnv, configuredSecretNames(config.config));
  const setupError = env.BUILDER_BUILDKIT_SETUP_ERROR;
  const capabilities = memo<BuildxCapabilities>(() =>
    setupError
      ? // The entrypoint could not make the builder it was asked for: say why, not "no such builder".
        Promise.reject(
          new BuildxError("BUILDX_UNAVAILABLE", `the entrypoint could not set up BuildKit: ${setupError}`),
        )
      : resolveBuildxCapabilities({
          docker: env.BUILDER_DOCKER,
          ...(env.BUILDER_BUILDX_BUILDER ? { builder: env.BUILDER_BUILDX_BUILDER } : {}),
          env: childEnv,
        }),
  );
  // Asked now, answered while the build is submitted and claimed: a cold probe is three docker CLI runs.
  capabilities().catch(() => undefined); // a failure is reported by the build that needs it
  const r2 = resolveR2Settings(env);
  const runnerDeps: RunnerDeps = {
    config,
    env,
    secretEnv: processEnv,
    childEnv,
    workRoot: resolveScratchRoot(dataDir),
    uploadsDir,
    cacheStore,
    capabilities,
    ...(r2 ? { r2 } : {}),
    buildxStateDir: path.join(processEnv.DOCKER_CONFIG ?? path.join(homedir(), ".docker"), "buildx"),
  };
  const resolveRef: ResolveRef = (source, ref, signal) => {
    const token = source.tokenEnv ? processEnv[source.tokenEnv] : undefined;
    return resolveRemoteRef({
      url: source.git,
      ref,
      ...(token ? { token } : {}),
      ...(signal ? { signal } : {}),
      env: { path: processEnv.PATH },
    });
  };
  return {
    env,
    config,
    store,
    cacheStore,
    runner: createBuildRunner(runnerDeps),
    notifications,
    onBuildEnded: notifications.enabled ? (record) => notifications.notify(record) : undefined,
    runnerDeps,
    resolveRef,
    dataDir,
    uploadsDir,
    uploads: new UploadStore(uploadsDir),
    scratchRoot: resolveScratchRoot(dataDir),
    childEnv,
  };
}
