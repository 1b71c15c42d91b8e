// `comfyume-builder serve`: wires the real builder (store, runner, job service, uploads,
// readiness, metrics, app) on top of runtime.ts, listens, and shuts down gracefully on
// SIGTERM (see http/listen.ts). The composition root of the server: http/ only serves. With no token configured
// it binds loopback only and says so: an open builder must not be reachable from outside.
import path from "node:path";
import type { BuilderEnv } from "./config/env.js";
import type { LoadedBuilderConfig } from "./config/load-builder-config.js";
import { checkDiskSpace } from "./guards/disk.js";
import { resolveReadiness } from "./guards/readiness.js";
import { createApp } from "./http/app.js";
import { isAuthEnabled } from "./http/auth.js";
import { createCachedProbe } from "./http/cached-probe.js";
import type { StreamLimits } from "./http/event-stream.js";
import { startListening, type RunningServer } from "./http/listen.js";
import { createMetrics, type HttpMetrics } from "./http/metrics.js";
import { BuildService } from "./jobs/build-service.js";
import { buildJobSettings, type JobSettings } from "./jobs/job-context.js";
import type { BuildExecutor } from "./jobs/ports.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { createRuntime } from "./runtime.js";
import { createContextIngester } from "./source/context-ingester.js";
import { ingestUpload } from "./source/upload.js";
import type { FileBuildStore } from "./store/file-build-store.js";

export interface StartServerOptions {
  env: BuilderEnv;
  /** The process environment: DOCKER_HOST for children, and the values of env vars the config names. */
  processEnv: NodeJS.ProcessEnv;
  /** Already loaded config (default: BUILDER_CONFIG, or the bundled example). */
  config?: LoadedBuilderConfig;
  /** Where JSON log lines go (default stdout). */
  write?: (line: string) => void;
  /** Install SIGTERM/SIGINT handlers (default true). */
  handleSignals?: boolean;
  /** Test knobs: heartbeat interval, job-loop settings, how far a stream client may fall behind. */
  heartbeatMs?: number;
  jobSettings?: Partial<JobSettings>;
  streamLimits?: Partial<StreamLimits>;
  version?: string;
}

export interface BuilderServer extends RunningServer {
  service: BuildService;
  store: FileBuildStore;
  logger: Logger;
}

/** Counts every build this replica ends in /metrics, whatever its outcome. */
function observeEnds(executor: BuildExecutor, metrics: HttpMetrics): BuildExecutor {
  return {
    async run(record, opts) {
      const final = await executor.run(record, opts);
      metrics.observeBuildEnd(final);
      return final;
    },
  };
}

function bindHost(env: BuilderEnv, logger: Logger): string {
  if (isAuthEnabled({ apiToken: env.BUILDER_API_TOKEN, readToken: env.BUILDER_READ_TOKEN }))
    return env.BUILDER_HOST;
  logger.warn(
    "no BUILDER_API_TOKEN or BUILDER_READ_TOKEN is set: the API is open, so it listens on 127.0.0.1 only",
    {
      requestedHost: env.BUILDER_HOST,
    },
  );
  return "127.0.0.1";
}

export async function startServer(opts: StartServerOptions): Promise<BuilderServer> {
  const { env } = opts;
  const logger = createLogger({ level: env.BUILDER_LOG_LEVEL, ...(opts.write ? { write: opts.write } : {}) });
  const rt = await createRuntime(env, opts.processEnv, opts.config, logger);
  const { config: loaded, store, cacheStore, dataDir, uploadsDir } = rt;
  const jobSettings = buildJobSettings(env, opts.jobSettings);
  if (loaded.bundled)
    logger.warn("no config file found; using the bundled example config", { file: loaded.file });
  const metrics = createMetrics();
  const service = new BuildService({
    store,
    config: loaded.config,
    dataDir,
    executor: observeEnds(rt.runner, metrics),
    settings: jobSettings,
    resolveRef: rt.resolveRef,
    logger,
    onBuildEnded: rt.onBuildEnded,
    capabilities: rt.runnerDeps.capabilities,
    uploads: rt.uploads,
    scratchRoot: rt.scratchRoot,
    cache: cacheStore,
  });
  // Every configured target has a figure (0 before its first cache), nothing else.
  const cacheBytes = async () => {
    const sizes = await cacheStore.sizes();
    return Object.fromEntries(Object.keys(loaded.config.targets).map((t) => [t, sizes[t] ?? 0]));
  };
  metrics.setSource({
    queueDepth: () => service.queueDepth(),
    running: () => service.running(),
    cacheBytes,
    diskBytes: () => service.diskFigures(),
  });
  const thresholds = {
    minFreeBytes: env.BUILDER_MIN_FREE_BYTES,
    minFreePercent: env.BUILDER_MIN_FREE_PERCENT,
  };
  let shuttingDown = false;
  const app = createApp({
    service,
    store,
    config: loaded.config,
    settings: {
      apiToken: env.BUILDER_API_TOKEN,
      readToken: env.BUILDER_READ_TOKEN,
      webhookSecret: env.BUILDER_WEBHOOK_SECRET,
      maxUploadBytes: env.BUILDER_MAX_UPLOAD_BYTES,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      shutdownRetryAfterSeconds: Math.max(5, env.BUILDER_DRAIN_SECONDS),
      ...(opts.streamLimits ? { streamLimits: opts.streamLimits } : {}),
    },
    ingestUpload: createContextIngester({
      store: rt.uploads,
      ingest: (body, o) => ingestUpload(body, o),
      // The SFS is shared with the models: asked before the body is read, then every 32 MiB.
      space: { everyBytes: 32 * 1024 * 1024, check: () => checkDiskSpace([uploadsDir], thresholds) },
      heartbeatMs: Math.max(1000, jobSettings.leaseMs / 3),
      isNeeded: (sha256) => service.isUploadNeeded(sha256),
    }),
    readiness: () =>
      resolveReadiness({
        docker: env.BUILDER_DOCKER,
        ...(env.BUILDER_BUILDX_BUILDER ? { buildxBuilder: env.BUILDER_BUILDX_BUILDER } : {}),
        ...(env.BUILDER_BUILDKIT_SETUP_ERROR ? { setupError: env.BUILDER_BUILDKIT_SETUP_ERROR } : {}),
        env: rt.childEnv,
        dirs: [
          { name: "data dir", path: dataDir },
          { name: "cache dir", path: path.resolve(env.BUILDER_CACHE_DIR) },
        ],
        thresholds,
      }),
    logger,
    metrics,
    // Walking a cache on NFS is not free: the console shows sizes at most 30 s old.
    cache: { bytes: createCachedProbe(cacheBytes, 30_000), budgetBytes: env.BUILDER_CACHE_MAX_BYTES },
    isShuttingDown: () => shuttingDown,
    ...(opts.version ? { version: opts.version } : {}),
  });
  service.start();
  const listening = startListening({
    app,
    host: bindHost(env, logger),
    port: env.BUILDER_PORT,
    logger,
    service: {
      drain: (seconds: number) => service.drain(seconds),
      // Build-end notifications still in flight go out before the replica exits (bounded).
      stop: async () => {
        await service.stop();
        await rt.notifications.close();
      },
    },
    drainSeconds: env.BUILDER_DRAIN_SECONDS,
    markShuttingDown: () => (shuttingDown = true),
    handleSignals: opts.handleSignals ?? true,
  });
  // A port in use must not leave the job loop claiming builds with no server in front of it.
  const running = await listening.catch(async (err: unknown) => {
    await service.stop();
    throw err;
  });
  logger.info("builder ready", {
    url: running.url,
    replica: service.owner,
    dataDir,
    targets: Object.keys(loaded.config.targets),
  });
  return { ...running, service, store, logger };
}
