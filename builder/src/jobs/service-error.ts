// The job layer's domain error. The HTTP layer maps it to the error envelope
// (SPEC §4) with `status` as the HTTP status and `retryAfter` as Retry-After.
import type { ErrorCode } from "../../../common/build-record.js";

export interface ErrorIssue {
  path: string;
  message: string;
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  QUEUE_FULL: 429,
  SHUTTING_DOWN: 503,
  DISK_LOW: 507,
};

/** The HTTP status an error code answers with (500 for codes that describe a failed build). */
export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

export class ServiceError extends Error {
  readonly status: number;
  readonly retryAfter?: number;
  readonly issues?: ErrorIssue[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: { retryAfter?: number; issues?: ErrorIssue[]; status?: number } = {},
  ) {
    super(message);
    this.name = "ServiceError";
    this.status = opts.status ?? statusForCode(code);
    if (opts.retryAfter !== undefined) this.retryAfter = opts.retryAfter;
    if (opts.issues !== undefined) this.issues = opts.issues;
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof ServiceError;
}
