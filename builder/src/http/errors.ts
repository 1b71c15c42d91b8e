// One error envelope for every failure (SPEC §4): {"error":{"code","message","issues"?}}.
// Domain errors from any layer carry a stable `code` and an HTTP `status`; this module
// recognises them by shape so the HTTP layer needs no import of the jobs layer's classes.
import { z } from "zod";
import { ERROR_CODES, type ErrorCode, type ErrorEnvelope } from "../../../common/build-record.js";
import { formatIssues } from "../../../common/build-request.js";
import { statusForCode } from "../jobs/service-error.js";
import { asError } from "../../../common/errors.js";

export interface Issue {
  path: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: Issue[],
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** A 400 INVALID_REQUEST whose message names every bad field and whose issues list them. */
export function invalidRequest(message: string, issues?: Issue[]): HttpError {
  return new HttpError(400, "INVALID_REQUEST", message, issues);
}

export function fromZodError(error: z.ZodError, what: string): HttpError {
  const issues = formatIssues(error);
  const detail = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return invalidRequest(`The ${what} is invalid: ${detail}.`, issues);
}

interface ErrorResponse {
  status: number;
  body: ErrorEnvelope;
  retryAfter?: number;
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}

/** Status codes a domain error may ask for; anything else is treated as an internal error. */
function isHttpStatus(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 400 && value <= 599;
}

/**
 * Maps any thrown value to a status and envelope. Errors with a known `code` keep it
 * (ServiceError, UploadError, HttpError); an upload error without a code is a bad archive
 * (400); everything else is a 500 INTERNAL whose message does not leak internals.
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof z.ZodError) return toErrorResponse(fromZodError(err, "request"));
  const e = (err ?? {}) as { code?: unknown; status?: unknown; message?: unknown; issues?: unknown };
  const rawStatus = e.status ?? (e as { statusCode?: unknown }).statusCode;
  const message = typeof e.message === "string" && e.message ? e.message : "The request failed.";
  const retryAfter = (err as { retryAfter?: unknown })?.retryAfter;
  const retry = typeof retryAfter === "number" && retryAfter > 0 ? Math.ceil(retryAfter) : undefined;
  let code: ErrorCode | undefined = isErrorCode(e.code) ? e.code : undefined;
  if (!code && asError(err).name === "UploadError") code = "INVALID_REQUEST";
  if (!code || code === "INTERNAL") {
    // Internal failures are logged by onError; their messages may name paths or hosts.
    return {
      status: 500,
      body: { error: { code: "INTERNAL", message: "The builder failed to handle the request." } },
    };
  }
  const status = isHttpStatus(rawStatus) ? rawStatus : statusForCode(code);
  const body: ErrorEnvelope = { error: { code, message } };
  if (Array.isArray(e.issues) && e.issues.length > 0) body.error.issues = e.issues as Issue[];
  return retry === undefined ? { status, body } : { status, body, retryAfter: retry };
}
