// How a finished build becomes the process's exit code (SPEC §6).
import type { BuildRecord } from "../../common/build-record.js";
import { EXIT, type ExitCode } from "./errors.js";

export function exitCodeForRecord(record: Pick<BuildRecord, "status" | "error">): ExitCode {
  switch (record.status) {
    case "succeeded":
      return EXIT.succeeded;
    case "failed":
      return record.error?.code === "SMOKE_FAILED" ? EXIT.smokeFailed : EXIT.failed;
    case "cancelled":
    case "interrupted":
      return EXIT.cancelled;
    case "queued":
    case "running":
      // Only reached when a caller asks about a build that has not ended, e.g. `status`.
      return EXIT.succeeded;
  }
}
