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

/** A rejected upload: always a 400 naming the entry or limit at fault (SPEC §4). */
export class UploadError extends Error {
  readonly code = "INVALID_REQUEST" as const;
  readonly status = 400;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UploadError";
  }
}
