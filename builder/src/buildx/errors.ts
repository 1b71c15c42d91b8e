// Domain errors of the buildx layer. Each carries a stable `code` so callers (the
// build runner, `readyz`) can map them without matching message text.

export type BuildxErrorCode =
  | "BUILDX_INVALID_SPEC"
  | "BUILDX_UNSUPPORTED"
  | "BUILDX_UNSUPPORTED_PLATFORM"
  | "BUILDX_UNAVAILABLE"
  | "BUILDX_CONTAINERD_STORE_REQUIRED"
  | "BUILDX_METADATA_INVALID";

export class BuildxError extends Error {
  constructor(
    readonly code: BuildxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BuildxError";
  }
}
