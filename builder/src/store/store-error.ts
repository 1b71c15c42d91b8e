// Errors of the build store. The code maps onto the API's error envelope (SPEC §4):
// an unknown build is NOT_FOUND (404), a second create of one id is CONFLICT (409).
import type { ErrorCode } from "../../../common/build-record.js";

export type StoreErrorCode = Extract<ErrorCode, "NOT_FOUND" | "CONFLICT" | "INVALID_REQUEST" | "INTERNAL">;

const HTTP_STATUS: Record<StoreErrorCode, number> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_REQUEST: 400,
  INTERNAL: 500,
};

export class StoreError extends Error {
  readonly status: number;
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreError";
    this.status = HTTP_STATUS[code];
  }
}

// Ids become directory names, so anything that could climb out of builds/ or hide
// as a dotfile is refused before it reaches a path.
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function isValidBuildId(id: string): boolean {
  return BUILD_ID.test(id);
}

export function assertBuildId(id: string): void {
  if (!isValidBuildId(id)) {
    throw new StoreError(
      "INVALID_REQUEST",
      `build id ${JSON.stringify(id.slice(0, 140))} is not valid; ids are letters, digits, '_' and '-' such as "b_01JD5Q3T0M0000000000000000"`,
    );
  }
}
