// What the HTTP layer needs from the rest of the builder: the jobs layer's BuildService,
// the store's log reading and the upload ingester, as structural ports over the types
// those layers define (http → jobs, never the other way round; nothing here is redeclared).
import type { BuildRecord, LogLine } from "../../../common/build-record.js";
import type { BuildRequest } from "../../../common/build-request.js";
import type { BuilderConfig } from "../config/builder-config.js";
import type { ReadyCheck } from "../guards/readiness.js";
import type { GithubPushInput, HookResult } from "../jobs/github-push.js";
import type { ListQuery } from "../jobs/ports.js";
import type { ScheduleInput } from "../jobs/schedule.js";
import type { SubmitOptions, SubmitResult } from "../jobs/submit.js";
import type { Logger } from "../logging/logger.js";
import type { ContextIngester } from "../source/context-ingester.js";
import type { StreamLimits } from "./event-stream.js";
import type { HttpMetrics } from "./metrics.js";
import type { IntakeLimits } from "./webhook-intake.js";

export type { GithubPushInput, HookResult, ListQuery, ReadyCheck, SubmitOptions, SubmitResult };

export interface ListResult {
  builds: BuildRecord[];
  nextCursor: string | null;
}

export interface BuildServicePort {
  /**
   * Refuses what can be refused before an upload's body is read (unknown target, a full
   * queue, an Idempotency-Key bound to other parameters); resolves when the request may go on.
   */
  precheck(req: BuildRequest, opts: { idempotencyKey?: string }): Promise<void>;
  submit(req: BuildRequest, opts: SubmitOptions): Promise<SubmitResult>;
  get(id: string): Promise<BuildRecord | undefined>;
  list(query: ListQuery): Promise<ListResult>;
  cancel(id: string): Promise<BuildRecord>;
  retry(id: string, opts?: { idempotencyKey?: string }): Promise<SubmitResult>;
  waitForEnd(id: string, signal: AbortSignal): Promise<BuildRecord>;
  handleGithubPush(input: GithubPushInput): Promise<HookResult>;
  schedule(input: ScheduleInput): Promise<HookResult>;
}

export interface BuildStorePort {
  /** Lines with seq > afterSeq (default 0: the whole log). */
  readLog(id: string, afterSeq?: number): Promise<LogLine[]>;
  /** The same lines, read from disk a page at a time. */
  iterateLog(id: string, afterSeq?: number): AsyncIterable<LogLine>;
  iterateLogPages(id: string, afterSeq?: number): AsyncIterable<LogLine[]>;
  followLog(id: string, opts: { afterSeq: number; signal: AbortSignal }): AsyncIterable<LogLine>;
  /** Record updates made in this process, as they happen (see FileBuildStore.watchRecord). */
  watchRecord?(id: string, listener: (record: BuildRecord) => void): () => void;
  /** followLog a page at a time, so a stream handles a page per step. */
  followLogPages(id: string, opts: { afterSeq: number; signal: AbortSignal }): AsyncIterable<LogLine[]>;
}

export interface HttpSettings {
  apiToken?: string;
  readToken?: string;
  webhookSecret?: string;
  maxUploadBytes: number;
  /** NDJSON heartbeat and SSE `: hb` interval; 15 s in production, shorter in tests. */
  heartbeatMs: number;
  /** Bounds on reading unauthenticated webhook bodies (webhook-intake.ts); defaults when absent. */
  webhookIntake?: IntakeLimits;
  /** Seconds a client is told to wait (Retry-After) when the builder is shutting down. */
  shutdownRetryAfterSeconds: number;
  /** The console stops live updates after this long without input (default 5 min). */
  consoleIdleMs?: number;
  /** How far a stream client may fall behind before it is disconnected (default DEFAULT_STREAM_LIMITS). */
  streamLimits?: Partial<StreamLimits>;
}

/** The build cache as the console shows it. */
export interface CacheView {
  /** Bytes of each target's current cache. */
  bytes(): Promise<Record<string, number>>;
  budgetBytes?: number;
}

export interface AppDeps {
  service: BuildServicePort;
  store: BuildStorePort;
  config: BuilderConfig;
  settings: HttpSettings;
  /** Streams an uploaded context to `<dataDir>/uploads/<sha256>/` (source/context-ingester.ts). */
  ingestUpload: ContextIngester;
  /** Readiness probe (buildx, data and cache dirs); the app adds the shutdown check. */
  readiness: () => Promise<ReadyCheck[]>;
  logger: Logger;
  metrics: HttpMetrics;
  cache?: CacheView;
  /** True once SIGTERM arrived: new builds get 503 SHUTTING_DOWN and /readyz fails. */
  isShuttingDown: () => boolean;
  clock?: () => Date;
  /** Reported in /openapi.json. */
  version?: string;
}
