// Errors that stop a smoke run before any test can pass or fail: a bad smoke file, an
// image that cannot be read, no static busybox or buildx on the machine. A failing *test* is never an
// error; it is a result with `passed: false` (SPEC §3 "smoke").

export type SmokeErrorCode =
  | "SMOKE_FILE_INVALID"
  | "SMOKE_IMAGE_INVALID"
  | "SMOKE_IMAGE_NOT_FOUND"
  | "SMOKE_IMAGE_UNAUTHORIZED"
  | "SMOKE_REGISTRY_UNREACHABLE"
  | "SMOKE_TOOLS_MISSING"
  | "SMOKE_USER_UNKNOWN"
  | "SMOKE_BUILDX_UNAVAILABLE"
  | "SMOKE_CANCELLED"
  | "SMOKE_RUN_FAILED";

export class SmokeError extends Error {
  constructor(
    readonly code: SmokeErrorCode,
    message: string,
    /** For SMOKE_FILE_INVALID: one entry per bad field, with its path. */
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "SmokeError";
  }
}
