// The trigger's one error type. Every failure the CLI reports carries the exit code
// it ends with (SPEC §6, the shared table in common/exit-codes.ts), so main.ts maps
// errors to exits in one place.
import { EXIT, type ExitCode } from "../../common/exit-codes.js";

export { EXIT, type ExitCode };

export type TriggerErrorCode =
  "USAGE" | "CONFIG" | "UNREACHABLE" | "UNAUTHORIZED" | "PROTOCOL" | "REJECTED" | "INTERRUPTED";

const EXIT_BY_CODE: Record<TriggerErrorCode, ExitCode> = {
  USAGE: EXIT.USAGE,
  CONFIG: EXIT.USAGE,
  UNREACHABLE: EXIT.UNREACHABLE,
  UNAUTHORIZED: EXIT.UNREACHABLE,
  PROTOCOL: EXIT.UNREACHABLE,
  // The builder understood the request and refused it for a reason that is not the
  // caller's syntax (queue full, build already ended): the work did not happen.
  REJECTED: EXIT.BUILD_FAILED,
  INTERRUPTED: EXIT.CANCELLED,
};

export class TriggerError extends Error {
  readonly exitCode: ExitCode;
  constructor(
    readonly code: TriggerErrorCode,
    message: string,
    exitCode?: ExitCode,
  ) {
    super(message);
    this.name = "TriggerError";
    this.exitCode = exitCode ?? EXIT_BY_CODE[code];
  }
}

export function usageError(message: string): TriggerError {
  return new TriggerError("USAGE", message);
}
