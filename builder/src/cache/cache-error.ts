// Errors of the cache store, and the target-name check every public method starts with
// (a target name becomes a directory name, so it must never be a path).
import { targetNameSchema } from "../../../common/build-request.js";

export type CacheErrorCode = "CACHE_INVALID_TARGET" | "CACHE_EXPORT_INVALID" | "CACHE_COMMIT_FAILED";

export class CacheError extends Error {
  constructor(
    readonly code: CacheErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CacheError";
  }
}

export function isTargetName(name: string): boolean {
  return targetNameSchema.safeParse(name).success;
}

export function checkTarget(target: string): void {
  if (!isTargetName(target)) {
    throw new CacheError(
      "CACHE_INVALID_TARGET",
      `${JSON.stringify(target)} is not a target name (1-63 lower-case letters, digits, '-' or '_')`,
    );
  }
}
