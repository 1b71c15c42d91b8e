// The one exit-code table of both binaries (SPEC §6): `comfyume-build` and
// `comfyume-builder` (run, smoke, config, cache) exit with these and nothing else.
import type { BuildRecord } from "./build-record.js";

export const EXIT = {
  OK: 0,
  /** A build, push or backup failed; also a request the builder refused for a reason that is not syntax. */
  BUILD_FAILED: 1,
  /** A usage or config error: bad flag, bad value, bad config or `.env`. */
  USAGE: 2,
  SMOKE_FAILED: 3,
  /** Cancelled or interrupted (Ctrl-C included). */
  CANCELLED: 4,
  /** The builder unreachable, unauthorized, or an answer that breaks the contract. */
  UNREACHABLE: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The exit code of a build that has ended: its outcome. It is called where an end was
 * promised (a stream's `end` event, `run` after the build ended); a record that is still
 * queued or running there breaks that promise, so it is a protocol error (5), never 0 —
 * a script doing `submit && deploy` must not deploy a build that has not succeeded.
 */
export function exitCodeForRecord(record: Pick<BuildRecord, "status" | "error">): ExitCode {
  switch (record.status) {
    case "succeeded":
      return EXIT.OK;
    case "cancelled":
    case "interrupted":
      return EXIT.CANCELLED;
    case "failed":
      return record.error?.code === "SMOKE_FAILED" ? EXIT.SMOKE_FAILED : EXIT.BUILD_FAILED;
    case "queued":
    case "running":
      return EXIT.UNREACHABLE;
  }
}

/**
 * `status <id>` answers a question rather than waiting for an end: a build still queued or
 * running exits 0 (the command worked and nothing has failed yet, as its help says), an
 * ended one with its outcome.
 */
export function exitCodeForStatusQuery(record: Pick<BuildRecord, "status" | "error">): ExitCode {
  return record.status === "queued" || record.status === "running" ? EXIT.OK : exitCodeForRecord(record);
}
