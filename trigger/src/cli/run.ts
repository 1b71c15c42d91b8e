// The whole CLI as a function: argv + environment in, exit code out. main.ts wires the
// real process to it; integration tests call the built binary. Command modules are
// imported lazily so `--help` and small commands start fast.
import type { ConnectionSettings } from "../config/settings.js";
import { EXIT, TriggerError, type ExitCode } from "../errors.js";
import type { CommandContext } from "../commands/context.js";
import type { Command } from "./commands.js";
import { parseCommandLine } from "./parse-args.js";
import { errorMessage, errorStack } from "../../../common/errors.js";

export interface CliIo {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  signal: AbortSignal;
}

export async function runCli(io: CliIo): Promise<ExitCode> {
  let command: Command | undefined;
  try {
    const invocation = await parseCommandLine(io.argv);
    if (invocation.kind === "help") {
      io.stdout.write(invocation.text);
      return EXIT.succeeded;
    }
    command = invocation.command;
    const ctx = await buildContext(command, io);
    return await dispatch(command, ctx);
  } catch (err) {
    return report(err, io, command);
  }
}

async function buildContext(command: Command, io: CliIo): Promise<CommandContext> {
  const [{ mergeEnv, resolveDotEnv }, { buildConnectionSettings }, { BuilderClient }, style] =
    await Promise.all([
      import("../config/env-file.js"),
      import("../config/settings.js"),
      import("../http/client.js"),
      import("../render/style.js"),
    ]);
  let dotenv: Record<string, string> | undefined;
  try {
    dotenv = await resolveDotEnv(io.cwd);
  } catch (err) {
    throw new TriggerError("CONFIG", `the .env file cannot be used: ${errorMessage(err)}`);
  }
  const env = mergeEnv(io.env, dotenv);
  const settings: ConnectionSettings = buildConnectionSettings(command.connection, env);
  const err = (text: string) => void io.stderr.write(text);
  return {
    client: new BuilderClient(settings, (m) => err(`comfyume-build: ${m}\n`), io.signal),
    out: (text) => void io.stdout.write(text),
    err,
    outStyle: style.buildStyle(style.shouldUseColor(io.stdout.isTTY, io.env)),
    errStyle: style.buildStyle(style.shouldUseColor(io.stderr.isTTY, io.env)),
    outLive: style.canRedraw(io.stdout.isTTY, io.env),
    errLive: style.canRedraw(io.stderr.isTTY, io.env),
    cwd: io.cwd,
    signal: io.signal,
  };
}

async function dispatch(command: Command, ctx: CommandContext): Promise<ExitCode> {
  switch (command.name) {
    case "submit":
      return (await import("../commands/submit.js")).runSubmit(command, ctx);
    case "status":
      return (await import("../commands/status.js")).runStatus(command, ctx);
    case "list":
      return (await import("../commands/list.js")).runList(command, ctx);
    case "logs":
      return (await import("../commands/logs.js")).runLogs(command, ctx);
    case "cancel":
      return (await import("../commands/cancel.js")).runCancel(command, ctx);
    case "retry":
      return (await import("../commands/retry.js")).runRetry(command, ctx);
    case "targets":
      return (await import("../commands/targets.js")).runTargets(command, ctx);
    case "schedule":
      return (await import("../commands/schedule.js")).runSchedule(command, ctx);
  }
}

function report(err: unknown, io: CliIo, command: Command | undefined): ExitCode {
  if (io.signal.aborted) {
    const hint =
      command?.name === "submit" || command?.name === "retry"
        ? "; the build goes on (cancel it with `comfyume-build cancel <id>`)"
        : "";
    io.stderr.write(`comfyume-build: interrupted${hint}\n`);
    return EXIT.cancelled;
  }
  if (err instanceof TriggerError) {
    io.stderr.write(`comfyume-build: ${err.message}\n`);
    return err.exitCode;
  }
  // Not a failure the CLI knows how to describe: show everything, as a protocol-level error.
  io.stderr.write(`comfyume-build: unexpected error: ${errorStack(err)}\n`);
  return EXIT.unreachable;
}
