// What the job layer needs from its neighbours, as structural interfaces so it can be
// wired to the real FileBuildStore (store/file-build-store.ts) and build runner
// (runner/build-runner.ts, through runner/port.ts) without importing their implementations.
import type { BuildRecord, BuildStatus, LogLine } from "../../../common/build-record.js";
import type { GitSourceConfig } from "../config/builder-config.js";

/** A page of builds: newest first; `nextCursor` continues it (null on the last page). */
export interface ListQuery {
  target?: string;
  status?: BuildStatus;
  limit?: number;
  cursor?: string;
  /** Further filtering (trigger, search) decided by the caller; the page is filled with matches. */
  match?: (record: BuildRecord) => boolean;
}

export interface ListResult {
  builds: BuildRecord[];
  nextCursor: string | null;
}

/** The subset of FileBuildStore the jobs use. Records and logs live under the data dir. */
export interface JobStore {
  newBuildId(): string;
  create(record: BuildRecord): Promise<BuildRecord | void>;
  get(id: string): Promise<BuildRecord | undefined>;
  update(id: string, mutate: (record: BuildRecord) => void | BuildRecord): Promise<BuildRecord>;
  list(query: ListQuery): Promise<{ builds: BuildRecord[]; nextCursor: string | null | undefined }>;
  appendLog(id: string, lines: { stream: LogLine["stream"]; line: string }[]): Promise<unknown>;
  buildDir(id: string): string;
}

// The executor is runner/'s side of the one port between the two (runner/port.ts).
export type { AbortReason, BuildExecutor, BuildSink, SinkStream } from "../runner/port.js";

/** Resolves a ref of a git source to a full commit SHA (source/git.ts resolveRemoteRef, with the token). */
export type ResolveRef = (
  source: GitSourceConfig & { name: string },
  ref: string,
  signal?: AbortSignal,
) => Promise<string>;

/** The uploads dir as the job layer uses it (source/upload-store.ts UploadStore). */
export interface UploadsPort {
  /** Restarts a context's retention clock; false when it is gone. */
  touch(sha256: string): Promise<boolean>;
  listContexts(): Promise<{ sha256: string; mtimeMs: number }[]>;
  /** Deletes a context untouched since `before` (epoch ms) unless `isNeeded` says a build needs it. */
  removeIfUnused(sha256: string, before: number, isNeeded: () => Promise<boolean>): Promise<boolean>;
  /** Removes incoming uploads whose owner died and half-done deletions. */
  sweepLeftovers(staleMs: number, now?: number): Promise<string[]>;
}

/** Crash leftovers of the cache store (cache/target-cache.ts TargetCacheStore). */
export interface CacheLeftoversPort {
  /** Removes exports and trash whose target no build holds; restores a cache a crash left in the trash. */
  sweepLeftovers(): Promise<string[]>;
}
