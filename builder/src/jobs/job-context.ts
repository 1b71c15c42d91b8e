// What every part of the job layer shares: the store, the config, the settings taken
// from BuilderEnv, the coordination files and this replica's identity.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { BuildRecord } from "../../../common/build-record.js";
import type { BuildxCapabilities } from "../buildx/version.js";
import type { BuilderConfig } from "../config/builder-config.js";
import type { BuilderEnv } from "../config/env.js";
import { ActiveIndex } from "./active-index.js";
import { buildJobPaths, type JobPaths } from "./job-paths.js";
import { Coordination } from "./leases.js";
import type { BuildExecutor, CacheLeftoversPort, JobStore, ResolveRef, UploadsPort } from "./ports.js";

export interface JobSettings {
  concurrency: number;
  queueMax: number;
  buildTimeoutMs: number;
  queueTtlMs: number;
  maxAttempts: number;
  leaseMs: number;
  /** How often the loop looks at the data dir for work other replicas queued. */
  pollMs: number;
  /** Retry-After (seconds) for QUEUE_FULL. */
  queueFullRetryAfter: number;
  /** Retry-After (seconds) for SHUTTING_DOWN. */
  shutdownRetryAfter: number;
  /** BUILDER_UPLOAD_RETENTION: how long a context is kept after the last build that needed it. */
  uploadRetentionMs: number;
  /** How often crash leftovers and expired uploads are swept (and disk usage measured). */
  sweepMs: number;
}

/** Settings from the environment (SPEC §7); `pollMs` defaults to 500. */
export function buildJobSettings(env: BuilderEnv, overrides: Partial<JobSettings> = {}): JobSettings {
  return {
    concurrency: env.BUILDER_CONCURRENCY,
    queueMax: env.BUILDER_QUEUE_MAX,
    buildTimeoutMs: env.BUILDER_BUILD_TIMEOUT * 1000,
    queueTtlMs: env.BUILDER_QUEUE_TTL * 1000,
    maxAttempts: env.BUILDER_MAX_ATTEMPTS,
    leaseMs: env.BUILDER_LEASE_SECONDS * 1000,
    pollMs: 500,
    queueFullRetryAfter: 30,
    shutdownRetryAfter: Math.max(5, env.BUILDER_DRAIN_SECONDS),
    uploadRetentionMs: env.BUILDER_UPLOAD_RETENTION * 1000,
    // Two leases: a leftover of a dead replica goes soon after its lease shows it dead;
    // never more often than every 5 s, never less than every minute.
    sweepMs: Math.min(60_000, Math.max(5_000, 2 * env.BUILDER_LEASE_SECONDS * 1000)),
    ...overrides,
  };
}

export interface JobLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface BuildServiceDeps {
  store: JobStore;
  config: BuilderConfig;
  dataDir: string;
  executor: BuildExecutor;
  settings: JobSettings;
  resolveRef: ResolveRef;
  /** This replica's name in leases and claims; default host-pid-random. */
  owner?: string;
  now?: () => Date;
  logger?: JobLogger;
  /**
   * Which queued builds this replica may claim (default: all). `comfyume-builder run`
   * claims only its own build, so a one-shot run never picks up the service's queue.
   */
  claimFilter?: (record: BuildRecord) => boolean;
  /**
   * Told once per build, by exactly one replica, when a build has really ended (however it
   * ended: run, cancelled while queued, expired in the queue, interrupted on its last
   * attempt). Build-end notifications hang here.
   */
  onBuildEnded?: (record: BuildRecord) => void;
  /** What the buildx builder can build; requested platforms are checked against it at submit. */
  capabilities?: () => Promise<BuildxCapabilities>;
  /** The uploads dir: retention, 410 for a retry of a deleted context, crash leftovers. */
  uploads?: UploadsPort;
  /** Per-build scratch root on local disk (one per data dir), swept of dead builds' dirs. */
  scratchRoot?: string;
  cache?: CacheLeftoversPort;
}

export interface JobContext {
  store: JobStore;
  config: BuilderConfig;
  executor: BuildExecutor;
  settings: JobSettings;
  resolveRef: ResolveRef;
  paths: JobPaths;
  coord: Coordination;
  active: ActiveIndex;
  owner: string;
  now: () => Date;
  logger: JobLogger;
  claimFilter: (record: BuildRecord) => boolean;
  onBuildEnded: ((record: BuildRecord) => void) | undefined;
  capabilities: (() => Promise<BuildxCapabilities>) | undefined;
  uploads: UploadsPort | undefined;
  scratchRoot: string | undefined;
  cache: CacheLeftoversPort | undefined;
  dataDir: string;
}

const silent: JobLogger = { info: () => undefined, warn: () => undefined };

export function buildJobContext(deps: BuildServiceDeps): JobContext {
  const paths = buildJobPaths(deps.dataDir);
  return {
    store: deps.store,
    config: deps.config,
    executor: deps.executor,
    settings: deps.settings,
    resolveRef: deps.resolveRef,
    paths,
    coord: new Coordination(paths),
    active: new ActiveIndex(paths.root),
    owner: deps.owner ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    now: deps.now ?? (() => new Date()),
    logger: deps.logger ?? silent,
    claimFilter: deps.claimFilter ?? (() => true),
    onBuildEnded: deps.onBuildEnded,
    capabilities: deps.capabilities,
    uploads: deps.uploads,
    scratchRoot: deps.scratchRoot,
    cache: deps.cache,
    dataDir: deps.dataDir,
  };
}
