// Exit codes shared by both binaries (SPEC §6): `comfyume-build` and `comfyume-builder run`.
import type { BuildRecord } from "./build-record.js";

export const EXIT = {
  OK: 0,
  BUILD_FAILED: 1,
  USAGE: 2,
  SMOKE_FAILED: 3,
  CANCELLED: 4,
  UNREACHABLE: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code a finished build maps to. */
export function exitCodeForRecord(record: Pick<BuildRecord, "status" | "error">): ExitCode {
  switch (record.status) {
    case "succeeded":
      return EXIT.OK;
    case "cancelled":
    case "interrupted":
      return EXIT.CANCELLED;
    case "failed":
      return record.error?.code === "SMOKE_FAILED" ? EXIT.SMOKE_FAILED : EXIT.BUILD_FAILED;
    default:
      // queued/running: the caller asked for an exit code of a build that has not ended.
      return EXIT.UNREACHABLE;
  }
}
