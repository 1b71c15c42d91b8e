// A failed archive is BACKUP_FAILED on the build record; the message says which
// object, which platform and why, so an operator can find it in the bucket.
import type { ErrorCode } from "../../../common/build-record.js";

export class BackupError extends Error {
  readonly code: ErrorCode = "BACKUP_FAILED";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackupError";
  }
}
