// Errors of the source phase. INVALID_REQUEST (400) when what was asked for is bad
// (a ref that could become an option, a path escaping the root, a bad archive);
// SOURCE_FAILED when a valid request could not be fetched (ref missing, auth, network).
import type { ErrorCode } from "../../../common/build-record.js";

export type SourceErrorCode = Extract<ErrorCode, "INVALID_REQUEST" | "SOURCE_FAILED" | "CANCELLED">;

const HTTP_STATUS: Record<SourceErrorCode, number> = {
  INVALID_REQUEST: 400,
  SOURCE_FAILED: 502,
  CANCELLED: 409,
};

export class SourceError extends Error {
  readonly status: number;
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SourceError";
    this.status = HTTP_STATUS[code];
  }
}

/**
 * A rejected upload (SPEC §4): a 400 naming the entry at fault, or a 413 naming the
 * limit an archive went past (its body, what it inflates or unpacks to, its entries).
 */
export class UploadError extends Error {
  readonly code = "INVALID_REQUEST" as const;
  readonly status: 400 | 413;
  constructor(message: string, options?: { cause?: unknown; status?: 400 | 413 }) {
    super(message, options);
    this.name = "UploadError";
    this.status = options?.status ?? 400;
  }
}

/** An upload stopped because the disk it lands on is below the free-space thresholds. */
export class UploadDiskLowError extends Error {
  readonly code = "DISK_LOW" as const;
  readonly status = 507;
  constructor(message: string) {
    super(message);
    this.name = "UploadDiskLowError";
  }
}
