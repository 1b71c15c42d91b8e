// The trigger's one error type. Every failure the CLI reports carries the exit code
// it ends with (SPEC §6), so main.ts maps errors to exits in one place.
export const EXIT = {
  succeeded: 0,
  failed: 1,
  usage: 2,
  smokeFailed: 3,
  cancelled: 4,
  unreachable: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type TriggerErrorCode =
  "USAGE" | "CONFIG" | "UNREACHABLE" | "UNAUTHORIZED" | "PROTOCOL" | "REJECTED" | "INTERRUPTED";

const EXIT_BY_CODE: Record<TriggerErrorCode, ExitCode> = {
  USAGE: EXIT.usage,
  CONFIG: EXIT.usage,
  UNREACHABLE: EXIT.unreachable,
  UNAUTHORIZED: EXIT.unreachable,
  PROTOCOL: EXIT.unreachable,
  // The builder understood the request and refused it for a reason that is not the
  // caller's syntax (queue full, build already ended): the work did not happen.
  REJECTED: EXIT.failed,
  INTERRUPTED: EXIT.cancelled,
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
