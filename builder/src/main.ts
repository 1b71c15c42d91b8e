#!/usr/bin/env node
// comfyume-builder: the HTTP service and one-shot runs (SPEC §7). This file only
// parses the command line and the environment and dispatches; every side effect
// starts here.
import { EXIT, type ExitCode } from "../../common/exit-codes.js";
import { EnvError, loadConfig } from "./config/env.js";
import { ConfigError } from "./config/load-builder-config.js";
import { UsageError, parseCommandLine, type Command } from "./commands/command-line.js";
import { isServiceError } from "./jobs/service-error.js";

async function main(argv: string[]): Promise<ExitCode> {
  const cmd = parseCommandLine(argv);
  if (cmd.name === "help") {
    process.stdout.write(cmd.text);
    return EXIT.OK;
  }
  if (cmd.name === "version") {
    const { readPackageVersion } = await import("../../common/version.js");
    process.stdout.write(`comfyume-builder ${readPackageVersion()}\n`);
    return EXIT.OK;
  }
  return dispatch(cmd, loadConfig(process.env));
}

async function dispatch(
  cmd: Exclude<Command, { name: "help" | "version" }>,
  env: ReturnType<typeof loadConfig>,
): Promise<ExitCode> {
  switch (cmd.name) {
    case "serve": {
      const { serveCommand } = await import("./commands/serve-command.js");
      return serveCommand(env, process.env);
    }
    case "run": {
      const { runCommand } = await import("./commands/run-command.js");
      return runCommand(env, process.env, cmd.options);
    }
    case "smoke": {
      const { smokeCommand } = await import("./commands/smoke-command.js");
      return smokeCommand(env, process.env, cmd.options);
    }
    case "config-check": {
      const { configCheckCommand } = await import("./commands/config-command.js");
      return configCheckCommand(env, process.env, cmd.file);
    }
    case "config-schema": {
      const { renderConfigJsonSchema } = await import("./config/config-json-schema.js");
      process.stdout.write(renderConfigJsonSchema());
      return EXIT.OK;
    }
    case "cache-prune": {
      const { cachePruneCommand } = await import("./commands/cache-command.js");
      return cachePruneCommand(env, cmd.maxBytes);
    }
    case "cache-ls": {
      const { cacheLsCommand } = await import("./commands/cache-command.js");
      return cacheLsCommand(env, { json: cmd.json });
    }
  }
}

/** One line on stderr and the exit code for what stopped a command; never a stack trace. */
function report(err: unknown): ExitCode {
  if (err instanceof UsageError) {
    process.stderr.write(`comfyume-builder: ${err.message}\n`);
    const help = err.command
      ? `comfyume-builder ${err.command.split(" ")[0]} --help`
      : "comfyume-builder --help";
    process.stderr.write(`Run \`${help}\` for usage.\n`);
    return EXIT.USAGE;
  }
  // A request the job layer refuses (unknown target, a ref for a path source...) is a usage error too.
  const refused = isServiceError(err) && err.status < 500;
  if (err instanceof EnvError || err instanceof ConfigError || refused) {
    process.stderr.write(`comfyume-builder: ${err.message}\n`);
    return EXIT.USAGE;
  }
  process.stderr.write(`comfyume-builder: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.BUILD_FAILED;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = report(err);
  },
);
