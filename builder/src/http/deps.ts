// What the HTTP layer needs from the rest of the builder. These are the shapes of the
// jobs layer (BuildService), the store (FileBuildStore) and the upload ingester, kept
// structural so the HTTP layer depends on behaviour, not on classes (http → jobs, never
// the other way round), and so HTTP tests can wire a small in-memory service.
import type { BuildRecord, BuildStatus, LogLine, Trigger } from "../../../common/build-record.js";
import type { BuildRequest } from "../../../common/build-request.js";
import type { BuilderConfig } from "../config/builder-config.js";
import type { HttpLogger } from "./logger.js";
import type { HttpMetrics } from "./metrics.js";
import type { StreamLimits } from "./event-stream.js";
import type { ContextIngester } from "./upload-context.js";
import type { IntakeLimits } from "./webhook-intake.js";

export interface UploadedContext {
  sha256: string;
  bytes: number;
  files: number;
  dir: string;
}

export interface SubmitOptions {
  trigger: Trigger;
  idempotencyKey?: string;
  upload?: UploadedContext;
}

export interface SubmitResult {
  record: BuildRecord;
  deduplicated: boolean;
}

export interface ListQuery {
  target?: string;
  status?: BuildStatus;
  limit: number;
  cursor?: string;
  /** Further filtering (trigger, search) decided by the caller; the page is filled with matches. */
  match?: (record: BuildRecord) => boolean;
}

export interface ListResult {
  builds: BuildRecord[];
  nextCursor: string | null;
}

export type { GithubPushInput, HookResult } from "../jobs/github-push.js";
import type { GithubPushInput, HookResult } from "../jobs/github-push.js";

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
  schedule(input: {
    targets?: string[];
    ref?: string;
    changedOnly?: boolean;
  }): Promise<HookResult | BuildRecord[] | SubmitResult[]>;
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

/** One readiness check: name, whether it passed, and a sentence when it did not. */
export interface ReadyCheck {
  name: string;
  ok: boolean;
  message?: string;
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
  /** Streams an uploaded context to `<dataDir>/uploads/<sha256>/` (see upload-context.ts). */
  ingestUpload: ContextIngester;
  /** Readiness probe (buildx, data and cache dirs); the app adds the shutdown check. */
  readiness: () => Promise<ReadyCheck[]>;
  logger: HttpLogger;
  metrics: HttpMetrics;
  cache?: CacheView;
  /** True once SIGTERM arrived: new builds get 503 SHUTTING_DOWN and /readyz fails. */
  isShuttingDown: () => boolean;
  clock?: () => Date;
  /** Reported in /openapi.json. */
  version?: string;
}
