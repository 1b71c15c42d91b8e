// Parses comfyume-builder's command line into a typed command. Pure: no I/O. The grammar
// (common/cli-flags.ts) and the build flags (common/build-flags.ts,
// common/build-request-flags.ts) are the ones `comfyume-build` uses.
import { BUILD_FLAG_OPTIONS } from "../../../common/build-flags.js";
import { errorMessage } from "../../../common/errors.js";
import { parseBuildFlags } from "../../../common/build-request-flags.js";
import type { BuildRequest } from "../../../common/build-request.js";
import { parseFlags, UsageError, type FlagSpecs, type FlagValues } from "../../../common/cli-flags.js";
import { didYouMean } from "../../../common/suggest.js";
import { parseBytes } from "../config/env.js";
import { BUILDER_COMMANDS, COMMAND_HELP, MAIN_HELP, type BuilderCommandName } from "./help-text.js";

export { UsageError };

export interface RunOptions {
  request: BuildRequest;
  contextDir?: string;
  json: boolean;
}

export interface SmokeOptions {
  image: string;
  file: string;
  junit?: string;
  json: boolean;
}

export type Command =
  | { name: "help"; text: string }
  | { name: "version" }
  | { name: "serve" }
  | { name: "run"; options: RunOptions }
  | { name: "smoke"; options: SmokeOptions }
  | { name: "config-check"; file?: string }
  | { name: "config-schema" }
  | { name: "cache-prune"; maxBytes?: number }
  | { name: "cache-ls"; json: boolean };

const HELP_FLAG = { help: { type: "boolean", short: "h" } } as const satisfies FlagSpecs;
const JSON_FLAG = { json: { type: "boolean" } } as const satisfies FlagSpecs;

const SUBCOMMANDS = { config: ["check", "schema"], cache: ["ls", "prune"] } as const;

const isCommand = (w: string): w is BuilderCommandName => (BUILDER_COMMANDS as string[]).includes(w);

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { name: "help", text: MAIN_HELP };
  if (first === "--version") return { name: "version" };
  if (first === "help") return helpFor(rest);
  if (!isCommand(first)) throw notACommand(first);
  if (asksForHelp(rest)) return { name: "help", text: COMMAND_HELP[first] };
  switch (first) {
    case "serve":
      flags("serve", rest, {}, 0);
      return { name: "serve" };
    case "run":
      return parseRun(rest);
    case "smoke":
      return parseSmoke(rest);
    case "config":
      return parseConfig(rest);
    case "cache":
      return parseCache(rest);
  }
}

/** `help`, `help <command>`, `help <command> <subcommand>`. */
function helpFor(args: readonly string[]): Command {
  const [name, sub] = args;
  if (name === undefined) return { name: "help", text: MAIN_HELP };
  if (!isCommand(name)) throw notACommand(name);
  if (sub !== undefined) {
    if (name !== "config" && name !== "cache") {
      throw new UsageError(`help takes a command, got ${JSON.stringify(args.join(" "))}`);
    }
    subcommand(name, sub);
  }
  return { name: "help", text: COMMAND_HELP[name] };
}

function notACommand(word: string): UsageError {
  const what = word.startsWith("-") ? `unknown flag ${word}` : `${JSON.stringify(word)} is not a command`;
  const near = word.startsWith("-")
    ? didYouMean(word, ["--help", "--version"])
    : didYouMean(word, [...BUILDER_COMMANDS, "help"]);
  return new UsageError(`${what}${near}; commands: ${BUILDER_COMMANDS.join(", ")}`);
}

/** `--help`/`-h` anywhere before `--` wins over everything else on the line. */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** Parses flags and checks the number of positionals. */
function flags(
  command: string,
  args: readonly string[],
  specs: FlagSpecs,
  maxPositionals: number,
): { values: FlagValues; positionals: string[] } {
  const parsed = parseFlags(args, { ...HELP_FLAG, ...specs }, { command });
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(
      `${command} takes ${maxPositionals === 0 ? "no arguments" : `at most ${maxPositionals} argument${maxPositionals === 1 ? "" : "s"}`}, got ${JSON.stringify(parsed.positionals[maxPositionals])} too`,
      command.split(" ")[0],
    );
  }
  return parsed;
}

function subcommand(command: keyof typeof SUBCOMMANDS, sub: string | undefined): string {
  const known: readonly string[] = SUBCOMMANDS[command];
  if (sub !== undefined && known.includes(sub)) return sub;
  const got = sub === undefined ? "nothing" : JSON.stringify(sub);
  const near = sub === undefined ? "" : didYouMean(sub, known);
  throw new UsageError(`${command} needs a subcommand: ${known.join(" or ")} (got ${got}${near})`, command);
}

function parseRun(args: readonly string[]): Command {
  const { values, positionals } = flags("run", args, { ...BUILD_FLAG_OPTIONS, ...JSON_FLAG }, 1);
  const target = positionals[0];
  if (!target) throw new UsageError("run needs a target name, e.g. `comfyume-builder run worker`", "run");
  try {
    const { request, context } = parseBuildFlags(target, values);
    return {
      name: "run",
      options: {
        request,
        ...(context !== undefined ? { contextDir: context } : {}),
        json: values.json === true,
      },
    };
  } catch (err) {
    throw err instanceof UsageError ? new UsageError(err.message, "run") : err;
  }
}

function parseSmoke(args: readonly string[]): Command {
  const { values, positionals } = flags(
    "smoke",
    args,
    { file: { type: "string", short: "f" }, junit: { type: "string" }, ...JSON_FLAG },
    1,
  );
  const image = positionals[0];
  if (!image) {
    throw new UsageError(
      "smoke needs an image reference, e.g. ghcr.io/ahelme/comfyume-worker:v0.11.0",
      "smoke",
    );
  }
  if (image.startsWith("-")) {
    throw new UsageError(`image reference ${JSON.stringify(image)} must not start with '-'`, "smoke");
  }
  if (typeof values.file !== "string" || values.file === "") {
    throw new UsageError("smoke needs --file SMOKE (a container-structure-test YAML or JSON file)", "smoke");
  }
  return {
    name: "smoke",
    options: {
      image,
      file: values.file,
      ...(typeof values.junit === "string" ? { junit: values.junit } : {}),
      json: values.json === true,
    },
  };
}

function parseConfig(args: readonly string[]): Command {
  const [sub, ...more] = args;
  if (subcommand("config", sub) === "schema") {
    flags("config schema", more, {}, 0);
    return { name: "config-schema" };
  }
  const { positionals } = flags("config check", more, {}, 1);
  return { name: "config-check", ...(positionals[0] ? { file: positionals[0] } : {}) };
}

function parseCache(args: readonly string[]): Command {
  const [sub, ...more] = args;
  if (subcommand("cache", sub) === "ls") {
    const { values } = flags("cache ls", more, JSON_FLAG, 0);
    return { name: "cache-ls", json: values.json === true };
  }
  const { values } = flags("cache prune", more, { "max-bytes": { type: "string" } }, 0);
  const max = values["max-bytes"];
  if (typeof max !== "string") return { name: "cache-prune" };
  try {
    return { name: "cache-prune", maxBytes: parseBytes(max) };
  } catch (err) {
    throw new UsageError(`--max-bytes: ${errorMessage(err)}`, "cache");
  }
}
