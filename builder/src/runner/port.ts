// The one port between the two halves of a build's life: jobs/ decides *when* a build runs
// (queue, claims, leases, recovery, drain) and hands a claimed, started record to a
// BuildExecutor; runner/ decides *what* running it means (phases, scratch, cleanup) and
// reports through the BuildSink it was given. jobs/ imports this file only from runner/,
// and runner/ imports nothing from jobs/. Both change the record only through
// store/record-lifecycle.ts.
import type { BuildRecord } from "../../../common/build-record.js";
import type { BuildEnd } from "../store/record-lifecycle.js";

export type SinkStream = "stdout" | "stderr" | "system";

/** How a runner reports progress; `update` persists through the store. */
export interface BuildSink {
  log(stream: SinkStream, line: string): void;
  /** `mutate` edits the record in place or returns the next one (store/record-lifecycle.ts). */
  update(mutate: (record: BuildRecord) => void | BuildRecord): Promise<BuildRecord>;
}

/** Why a running build's signal was aborted; the runner finishes the record with this code. */
export interface AbortReason {
  code: "CANCELLED" | "TIMEOUT" | "INTERRUPTED";
  message?: string;
}

/** Runs one claimed, started build. Never throws for build failures: it returns the final record. */
export interface BuildExecutor {
  run(record: BuildRecord, opts: { signal: AbortSignal; sink: BuildSink }): Promise<BuildRecord>;
}

export function isAbortReason(value: unknown): value is AbortReason {
  return (
    typeof value === "object" &&
    value !== null &&
    ["CANCELLED", "TIMEOUT", "INTERRUPTED"].includes((value as { code?: unknown }).code as string)
  );
}

/** The end of a build whose signal was aborted with `reason` (anything else counts as a cancel). */
export function abortOutcome(reason: unknown): BuildEnd {
  const r = isAbortReason(reason) ? reason : { code: "CANCELLED" as const };
  switch (r.code) {
    case "TIMEOUT":
      return {
        status: "failed",
        code: "TIMEOUT",
        message: r.message ?? "the build exceeded BUILDER_BUILD_TIMEOUT",
      };
    case "INTERRUPTED":
      return {
        status: "interrupted",
        code: "INTERRUPTED",
        message: r.message ?? "the build was interrupted",
      };
    default:
      return { status: "cancelled", code: "CANCELLED", message: r.message ?? "the build was cancelled" };
  }
}

/**
 * The marker naming the process that made a build's scratch dir (`<scratch root>/<id>/`):
 * the runner writes it, the job layer's crash sweep (jobs/scratch-sweep.ts) reads it.
 */
export const SCRATCH_OWNER_FILE = ".owner.json";
