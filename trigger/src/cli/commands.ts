// The parsed form of every subcommand (SPEC §6). Produced by parse-args.ts, consumed by commands/*.
import type { BuildStatus } from "../../../common/build-record.js";
import type { BuildRequest } from "../../../common/build-request.js";
import type { ConnectionFlags } from "../config/settings.js";

export const COMMAND_NAMES = [
  "submit",
  "status",
  "list",
  "logs",
  "cancel",
  "retry",
  "targets",
  "schedule",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

interface Base {
  connection: ConnectionFlags;
}

export interface SubmitCommand extends Base {
  name: "submit";
  /** The build's parameters, from the flags both binaries share (common/build-request-flags.ts). */
  request: BuildRequest;
  /** `--context DIR` as typed: the target's build context to upload. */
  context?: string;
  detach: boolean;
  json: boolean;
  idempotencyKey?: string;
  /** `--bind` / `--no-bind`; absent: bind in serverless mode (SERVERLESS_API_KEY set). */
  bind?: boolean;
}

export interface StatusCommand extends Base {
  name: "status";
  id: string;
  json: boolean;
}

export interface ListCommand extends Base {
  name: "list";
  target?: string;
  status?: BuildStatus;
  limit?: number;
  /** A `nextCursor` from the previous page. */
  cursor?: string;
  json: boolean;
}

export interface LogsCommand extends Base {
  name: "logs";
  id: string;
  follow: boolean;
}

export interface CancelCommand extends Base {
  name: "cancel";
  id: string;
  json: boolean;
}

export interface RetryCommand extends Base {
  name: "retry";
  id: string;
  detach: boolean;
  json: boolean;
  bind?: boolean;
}

export interface TargetsCommand extends Base {
  name: "targets";
  json: boolean;
}

export interface ScheduleCommand extends Base {
  name: "schedule";
  targets: string[];
  ref?: string;
  /** Only targets whose ref moved since their last successful build. */
  changedOnly: boolean;
  json: boolean;
}

export type Command =
  | SubmitCommand
  | StatusCommand
  | ListCommand
  | LogsCommand
  | CancelCommand
  | RetryCommand
  | TargetsCommand
  | ScheduleCommand;

/** What parseCommandLine returns: a command to run, or help text to print. */
export type Invocation =
  { kind: "run"; command: Command } | { kind: "help"; text: string } | { kind: "version" };
