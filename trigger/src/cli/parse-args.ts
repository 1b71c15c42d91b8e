// argv -> a validated Command (pure; throws TriggerError USAGE, exit 2). The grammar and
// the build flags are the ones `comfyume-builder` uses too (common/cli-flags.ts,
// common/build-flags.ts); what is here is which flags each command takes.
import { BUILD_FLAG_OPTIONS } from "../../../common/build-flags.js";
import { errorMessage } from "../../../common/errors.js";
import { isUsageError, parseFlags, type FlagSpecs, type FlagValues } from "../../../common/cli-flags.js";
import { didYouMean } from "../../../common/suggest.js";
import type { ConnectionFlags } from "../config/settings.js";
import { TriggerError, usageError } from "../errors.js";
import { COMMAND_NAMES, type Command, type CommandName, type Invocation } from "./commands.js";
import { COMMAND_HELP, MAIN_HELP } from "./help.js";
import * as b from "./validate-basic.js";

// The schema-based checks load zod; only commands that carry build parameters need them.
const schemas = () => import("./validate.js");

const CONNECTION = {
  url: { type: "string" },
  token: { type: "string" },
  "wait-ready": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagSpecs;
const JSON_FLAG = { json: { type: "boolean" } } as const satisfies FlagSpecs;
const BIND = { bind: { type: "boolean" }, "no-bind": { type: "boolean" } } as const satisfies FlagSpecs;

const OPTIONS: Record<CommandName, FlagSpecs> = {
  submit: {
    ...JSON_FLAG,
    ...BUILD_FLAG_OPTIONS,
    detach: { type: "boolean" },
    "idempotency-key": { type: "string" },
    ...BIND,
  },
  status: JSON_FLAG,
  list: {
    ...JSON_FLAG,
    target: { type: "string" },
    status: { type: "string" },
    limit: { type: "string" },
    cursor: { type: "string" },
  },
  logs: { follow: { type: "boolean", short: "f" } },
  cancel: JSON_FLAG,
  retry: { ...JSON_FLAG, ...BIND, detach: { type: "boolean" } },
  targets: JSON_FLAG,
  schedule: {
    ...JSON_FLAG,
    target: { type: "string", multiple: true },
    ref: { type: "string" },
    "changed-only": { type: "boolean" },
  },
};

const POSITIONALS: Record<CommandName, string[]> = {
  submit: ["<target>"],
  status: ["<id>"],
  list: [],
  logs: ["<id>"],
  cancel: ["<id>"],
  retry: ["<id>"],
  targets: [],
  schedule: [],
};

const isCommand = (name: string): name is CommandName => (COMMAND_NAMES as readonly string[]).includes(name);
const seeHelp = (name?: string) => `(see \`comfyume-build ${name ? `${name} ` : ""}--help\`)`;

export async function parseCommandLine(argv: readonly string[]): Promise<Invocation> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { kind: "help", text: MAIN_HELP };
  if (first === "--version") return { kind: "version" };
  if (first === "help") return helpFor(rest);
  if (!isCommand(first)) throw notACommand(first);
  if (asksForHelp(rest)) return { kind: "help", text: COMMAND_HELP[first] };
  try {
    return { kind: "run", command: await parseCommand(first, rest) };
  } catch (err) {
    // Every usage error of a command says where its help is.
    const usage = isUsageError(err) || (err instanceof TriggerError && err.code === "USAGE");
    if (usage) throw usageError(`${errorMessage(err)} ${seeHelp(first)}`);
    throw err;
  }
}

/** `help`, `help <command>`. */
function helpFor(args: readonly string[]): Invocation {
  const [name, ...extra] = args;
  if (name === undefined) return { kind: "help", text: MAIN_HELP };
  if (!isCommand(name)) throw notACommand(name);
  if (extra.length) throw usageError(`help takes one command, got ${JSON.stringify(args)} ${seeHelp()}`);
  return { kind: "help", text: COMMAND_HELP[name] };
}

function notACommand(word: string) {
  const what = word.startsWith("-") ? `unknown flag ${word}` : `${JSON.stringify(word)} is not a command`;
  const near = didYouMean(word.replace(/^-+/, ""), COMMAND_NAMES);
  const flagNear = word.startsWith("-") ? didYouMean(word, ["--help", "--version"]) : "";
  return usageError(`${what}${flagNear || near}; commands: ${COMMAND_NAMES.join(", ")} ${seeHelp()}`);
}

/** `--help`/`-h` anywhere before `--` wins over everything else on the line. */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** Commands other than `name` that take `flag`, for "it is a flag of logs". */
function commandsWithFlag(name: CommandName, flag: string): string | undefined {
  const key = flag.replace(/^--/, "");
  const others = COMMAND_NAMES.filter((c) => c !== name && OPTIONS[c][key] !== undefined);
  return others.length ? others.join(", ") : undefined;
}

async function parseCommand(name: CommandName, args: readonly string[]): Promise<Command> {
  const { values, positionals } = parseFlags(
    args,
    { ...CONNECTION, ...OPTIONS[name] },
    {
      command: name,
      elsewhere: (flag) => commandsWithFlag(name, flag),
    },
  );
  const expected = POSITIONALS[name];
  if (positionals.length !== expected.length) {
    const want = expected.length ? `exactly ${expected.join(" ")}` : "no positional arguments";
    throw usageError(`${name} takes ${want}, got ${JSON.stringify(positionals)}`);
  }
  return buildCommand(name, values, positionals, parseConnection(values));
}

function parseConnection(values: FlagValues): ConnectionFlags {
  const out: ConnectionFlags = {};
  if (typeof values.url === "string") out.url = values.url;
  if (typeof values.token === "string") {
    if (values.token === "") throw usageError("--token must not be empty");
    out.token = values.token;
  }
  if (typeof values["wait-ready"] === "string") {
    out.waitReady = b.parseInteger("--wait-ready", values["wait-ready"], 0, 86_400);
  }
  return out;
}

const str = (x: FlagValues[string]) => (typeof x === "string" ? x : undefined);
const list = (x: FlagValues[string]) => (Array.isArray(x) ? x : []);

async function buildCommand(
  name: CommandName,
  values: FlagValues,
  pos: string[],
  connection: ConnectionFlags,
): Promise<Command> {
  const json = values.json === true;
  switch (name) {
    case "submit":
      return buildSubmit(values, pos[0]!, connection);
    case "status":
    case "cancel":
      return { name, id: b.parseBuildId(pos[0]!), json, connection };
    case "logs":
      return { name, id: b.parseBuildId(pos[0]!), follow: values.follow === true, connection };
    case "retry": {
      const detach = values.detach === true;
      const bind = parseBind(values, detach);
      return { name, id: b.parseBuildId(pos[0]!), detach, json, ...bind, connection };
    }
    case "targets":
      return { name, json, connection };
    case "list":
      return buildList(values, connection);
    case "schedule": {
      const v = await schemas();
      const ref = str(values.ref);
      const targets = list(values.target).map((t) => v.parseTargetFlag(t, "--target"));
      return {
        name,
        targets,
        ...(ref !== undefined ? { ref: v.parseRefFlag(ref) } : {}),
        changedOnly: values["changed-only"] === true,
        json,
        connection,
      };
    }
  }
}

async function buildList(values: FlagValues, connection: ConnectionFlags): Promise<Command> {
  const v = await schemas();
  const target = str(values.target);
  const status = str(values.status);
  const limit = str(values.limit);
  const cursor = str(values.cursor);
  return {
    name: "list",
    json: values.json === true,
    connection,
    ...(target !== undefined ? { target: v.parseTargetFlag(target, "--target") } : {}),
    ...(status !== undefined ? { status: v.parseStatus(status) } : {}),
    ...(limit !== undefined ? { limit: b.parseInteger("--limit", limit, 1, 500) } : {}),
    ...(cursor !== undefined ? { cursor: b.parseCursor(cursor) } : {}),
  };
}

async function buildSubmit(
  values: FlagValues,
  target: string,
  connection: ConnectionFlags,
): Promise<Command> {
  const v = await schemas();
  const { request, context } = v.parseBuildFlags(target, values);
  const key = str(values["idempotency-key"]);
  if (values.detach === true && values.json === true) {
    throw usageError("--detach and --json cannot be used together: --detach prints only the id");
  }
  return {
    name: "submit",
    request,
    ...(context !== undefined ? { context } : {}),
    detach: values.detach === true,
    json: values.json === true,
    ...(key !== undefined ? { idempotencyKey: b.parseIdempotencyKey(key) } : {}),
    ...parseBind(values, values.detach === true),
    connection,
  };
}

/** `--bind` / `--no-bind` (absent: decided by serverless mode when the command runs). */
function parseBind(values: FlagValues, detach: boolean): { bind?: boolean } {
  if (values.bind === true && values["no-bind"] === true) {
    throw usageError("--bind and --no-bind cannot be used together");
  }
  if (values.bind === true && detach) {
    throw usageError(
      "--bind and --detach cannot be used together: --bind holds the request open until the build ends",
    );
  }
  if (values.bind === true) return { bind: true };
  return values["no-bind"] === true ? { bind: false } : {};
}
