#!/usr/bin/env node
// comfyume-builder: the HTTP service and one-shot runs (SPEC §7). This file only
// parses the command line and the environment and dispatches; every side effect
// starts here.
import { EXIT } from "../../common/exit-codes.js";
import { EnvError, loadConfig } from "./config/env.js";
import { ConfigError } from "./config/load-builder-config.js";
import { UsageError, HELP, parseCommandLine } from "./commands/command-line.js";
import { isServiceError } from "./jobs/service-error.js";
import { errorStack } from "../../common/errors.js";

async function main(argv: string[]): Promise<number> {
  const cmd = parseCommandLine(argv);
  if (cmd.name === "help") {
    process.stdout.write(cmd.text ?? HELP);
    return EXIT.OK;
  }
  const env = loadConfig(process.env);
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
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A request the job layer refuses (unknown target, a ref for a path source...) is a usage error too.
    const refused = isServiceError(err) && err.status < 500;
    if (err instanceof UsageError || err instanceof EnvError || err instanceof ConfigError || refused) {
      process.stderr.write(`comfyume-builder: ${err.message}\n`);
      if (err instanceof UsageError) process.stderr.write("Run `comfyume-builder --help` for usage.\n");
      process.exitCode = EXIT.USAGE;
      return;
    }
    process.stderr.write(`comfyume-builder: ${errorStack(err)}\n`);
    process.exitCode = EXIT.BUILD_FAILED;
  },
);
