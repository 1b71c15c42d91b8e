// Parses comfyume-builder's command line into a typed command. Pure: no I/O.
import { parseArgs } from "node:util";
import { buildRequestSchema, describeIssues, type BuildRequest } from "../../../common/build-request.js";
import { parseBytes } from "../config/env.js";
import { BUILD_FLAG_OPTIONS } from "../../../common/build-flags.js";
import { errorMessage } from "../../../common/errors.js";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const HELP = `comfyume-builder — CPU-only container build runner for ComfyuME

Usage:
  comfyume-builder serve                       the HTTP service (API, console, metrics)
  comfyume-builder run <target> [options]      one build in-process, no server (cron, Verda jobs, local)
  comfyume-builder smoke <image-ref> --file SMOKE [--junit FILE] [--json]
                                               run a smoke file against a pushed image
  comfyume-builder config check [FILE]         validate a config file and print what it would build
  comfyume-builder config schema               print the config file's JSON Schema
  comfyume-builder cache prune [--max-bytes N] evict least recently used target caches

Options of run:
  --ref REF            git ref to build (git sources)      --context DIR   build this directory instead
  --tag T              extra tag (repeatable)              --platform P    platform (repeatable)
  --build-arg K=V      build arg (repeatable)              --no-push       build without pushing
  --no-smoke           skip smoke tests                    --no-cache      build without the cache
  --json               print the final build record on stdout (progress goes to stderr)

Environment: BUILDER_CONFIG, BUILDER_DATA_DIR, BUILDER_CACHE_DIR, BUILDER_CACHE_MAX_BYTES, ... (see README).
Exit codes: 0 succeeded, 1 build/push/backup failed, 2 usage or config error, 3 smoke tests failed,
4 cancelled or interrupted.

Examples:
  comfyume-builder run worker --tag v0.11.0
  comfyume-builder run worker --context ./comfyui-worker --no-push
  comfyume-builder smoke ghcr.io/ahelme/comfyume-worker:v0.11.0 --file smoke/worker.yaml --junit smoke.xml
`;

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
  | { name: "help"; text?: string }
  | { name: "serve" }
  | { name: "run"; options: RunOptions }
  | { name: "smoke"; options: SmokeOptions }
  | { name: "config-check"; file?: string }
  | { name: "config-schema" }
  | { name: "cache-prune"; maxBytes?: number };

/** Runs node's parseArgs, turning its errors into usage errors. */
function guard<T extends { positionals: string[] }>(parse: () => T, maxPositionals: number): T {
  let parsed: T;
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`);
  }
  return parsed;
}

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

function parseBuildArgs(values: string[] = []): Record<string, string> {
  const out: [string, string][] = [];
  for (const kv of values) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new UsageError(`--build-arg ${JSON.stringify(kv)} must look like KEY=VALUE`);
    out.push([kv.slice(0, eq), kv.slice(eq + 1)]);
  }
  // Own properties: a `__proto__` key reaches the schema, which refuses it by name.
  return Object.fromEntries(out);
}

function parseRun(args: string[]): Command {
  const { values, positionals } = guard(
    () =>
      parseArgs({
        args,
        allowPositionals: true,
        options: {
          ...HELP_OPTION,
          ...BUILD_FLAG_OPTIONS,
          json: { type: "boolean" },
        },
      }),
    1,
  );
  if (values.help) return { name: "help", text: HELP };
  const target = positionals[0];
  if (!target) throw new UsageError("run needs a target name, e.g. `comfyume-builder run worker`");
  if (values.ref !== undefined && values.context !== undefined) {
    throw new UsageError("--ref and --context cannot be used together");
  }
  const raw: Record<string, unknown> = {
    target,
    ...(values.ref !== undefined ? { ref: values.ref } : {}),
    ...(values.tag ? { tags: values.tag } : {}),
    ...(values.platform ? { platforms: values.platform } : {}),
    ...(values["build-arg"] ? { buildArgs: parseBuildArgs(values["build-arg"]) } : {}),
    push: !values["no-push"],
    smoke: !values["no-smoke"],
    noCache: Boolean(values["no-cache"]),
  };
  const parsed = buildRequestSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error, raw));
  return {
    name: "run",
    options: {
      request: parsed.data,
      ...(values.context !== undefined ? { contextDir: values.context } : {}),
      json: Boolean(values.json),
    },
  };
}

function parseSmoke(args: string[]): Command {
  const { values, positionals } = guard(
    () =>
      parseArgs({
        args,
        allowPositionals: true,
        options: {
          ...HELP_OPTION,
          file: { type: "string", short: "f" },
          junit: { type: "string" },
          json: { type: "boolean" },
        },
      }),
    1,
  );
  if (values.help) return { name: "help", text: HELP };
  const image = positionals[0];
  if (!image)
    throw new UsageError("smoke needs an image reference, e.g. ghcr.io/ahelme/comfyume-worker:v0.11.0");
  if (image.startsWith("-"))
    throw new UsageError(`image reference ${JSON.stringify(image)} must not start with '-'`);
  if (!values.file)
    throw new UsageError("smoke needs --file SMOKE (a container-structure-test YAML or JSON file)");
  return {
    name: "smoke",
    options: {
      image,
      file: values.file,
      ...(values.junit ? { junit: values.junit } : {}),
      json: Boolean(values.json),
    },
  };
}

export function parseCommandLine(argv: string[]): Command {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      return { name: "help" };
    case "serve": {
      const { values } = guard(
        () => parseArgs({ args: rest, allowPositionals: true, options: HELP_OPTION }),
        0,
      );
      return values.help ? { name: "help" } : { name: "serve" };
    }
    case "run":
      return parseRun(rest);
    case "smoke":
      return parseSmoke(rest);
    case "config": {
      const [sub, ...more] = rest;
      if (sub === "check") {
        const { positionals } = guard(
          () => parseArgs({ args: more, allowPositionals: true, options: HELP_OPTION }),
          1,
        );
        return { name: "config-check", ...(positionals[0] ? { file: positionals[0] } : {}) };
      }
      if (sub === "schema") return { name: "config-schema" };
      throw new UsageError(`config needs a subcommand: check or schema (got ${JSON.stringify(sub ?? "")})`);
    }
    case "cache": {
      const [sub, ...more] = rest;
      if (sub !== "prune")
        throw new UsageError(`cache needs the subcommand prune (got ${JSON.stringify(sub ?? "")})`);
      const { values } = guard(
        () => parseArgs({ args: more, allowPositionals: true, options: { "max-bytes": { type: "string" } } }),
        0,
      );
      if (values["max-bytes"] === undefined) return { name: "cache-prune" };
      try {
        return { name: "cache-prune", maxBytes: parseBytes(values["max-bytes"]) };
      } catch (err) {
        throw new UsageError(`--max-bytes: ${errorMessage(err)}`);
      }
    }
    default:
      throw new UsageError(
        `unknown command ${JSON.stringify(first)}; commands: serve, run, smoke, config, cache`,
      );
  }
}
