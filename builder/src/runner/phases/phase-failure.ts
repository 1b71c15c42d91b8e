// A phase that fails throws a PhaseFailure carrying the build's error code; the runner
// turns it into data on the record (a failed build is not an exception to its callers).
import type { ErrorCode } from "../../../../common/build-record.js";

export class PhaseFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "PhaseFailure";
  }
}
