// The whole CLI as a function: argv + environment in, exit code out. main.ts wires the
// real process to it; integration tests call the built binary. Command modules are
// imported lazily so `--help` and small commands start fast.
import { isUsageError } from "../../../common/cli-flags.js";
import type { ConnectionSettings } from "../config/settings.js";
import { EXIT, TriggerError, type ExitCode } from "../errors.js";
import type { CommandContext } from "../commands/context.js";
import type { Command } from "./commands.js";
import { parseCommandLine } from "./parse-args.js";
import { errorMessage } from "../../../common/errors.js";

export interface CliIo {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  signal: AbortSignal;
}

/** What the run learned that an error report needs: the build it started, for the Ctrl-C hint. */
interface RunState {
  command?: Command;
  buildId?: string;
}

export async function runCli(io: CliIo): Promise<ExitCode> {
  const state: RunState = {};
  try {
    const invocation = await parseCommandLine(io.argv);
    if (invocation.kind === "help") {
      io.stdout.write(invocation.text);
      return EXIT.OK;
    }
    if (invocation.kind === "version") {
      const { readPackageVersion } = await import("../../../common/version.js");
      io.stdout.write(`comfyume-build ${readPackageVersion()}\n`);
      return EXIT.OK;
    }
    state.command = invocation.command;
    const ctx = await buildContext(invocation.command, io, state);
    return await dispatch(invocation.command, ctx);
  } catch (err) {
    return report(err, io, state);
  }
}

async function buildContext(command: Command, io: CliIo, state: RunState): Promise<CommandContext> {
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
    started: (id) => {
      state.buildId = id;
    },
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

/** What Ctrl-C leaves behind: a build goes on without us, so say how to stop it. */
export function describeInterruption(state: RunState): string {
  const name = state.command?.name;
  if (name !== "submit" && name !== "retry") return "interrupted";
  if (state.buildId !== undefined) {
    return `interrupted; build ${state.buildId} goes on (cancel it with \`comfyume-build cancel ${state.buildId}\`)`;
  }
  const target = state.command?.name === "submit" ? ` --target ${state.command.request.target}` : "";
  return `interrupted before the builder answered; a build may have started (\`comfyume-build list${target} --status running\` shows it)`;
}

function report(err: unknown, io: CliIo, state: RunState): ExitCode {
  if (io.signal.aborted) {
    io.stderr.write(`comfyume-build: ${describeInterruption(state)}\n`);
    return EXIT.CANCELLED;
  }
  if (err instanceof TriggerError) {
    io.stderr.write(`comfyume-build: ${err.message}\n`);
    return err.exitCode;
  }
  if (isUsageError(err)) {
    io.stderr.write(`comfyume-build: ${err.message}\n`);
    return EXIT.USAGE;
  }
  // Not a failure the CLI knows how to describe: one line, never a stack trace; the
  // contract with the builder was not kept somewhere, so it counts as a protocol error.
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  io.stderr.write(`comfyume-build: unexpected error: ${message}\n`);
  return EXIT.UNREACHABLE;
}
