// argv -> a validated Command (pure; throws TriggerError USAGE, exit 2).
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { ConnectionFlags } from "../config/settings.js";
import { usageError } from "../errors.js";
import { COMMAND_NAMES, type Command, type CommandName, type Invocation } from "./commands.js";
import { COMMAND_HELP, MAIN_HELP } from "./help.js";
import * as b from "./validate-basic.js";
import { BUILD_FLAG_OPTIONS } from "../../../common/build-flags.js";
import { errorMessage } from "../../../common/errors.js";

// The schema-based checks load zod; only commands that carry build parameters need them.
const schemas = () => import("./validate.js");

type Options = NonNullable<ParseArgsConfig["options"]>;

const CONNECTION: Options = {
  url: { type: "string" },
  token: { type: "string" },
  "wait-ready": { type: "string" },
  help: { type: "boolean", short: "h" },
};
const JSON_FLAG: Options = { json: { type: "boolean" } };
const BIND: Options = { bind: { type: "boolean" }, "no-bind": { type: "boolean" } };

const OPTIONS: Record<CommandName, Options> = {
  submit: {
    ...JSON_FLAG,
    ...BUILD_FLAG_OPTIONS,
    detach: { type: "boolean" },
    "idempotency-key": { type: "string" },
    ...BIND,
  },
  status: JSON_FLAG,
  list: { ...JSON_FLAG, target: { type: "string" }, status: { type: "string" }, limit: { type: "string" } },
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

type Values = Record<string, string | boolean | string[] | undefined>;

export async function parseCommandLine(argv: readonly string[]): Promise<Invocation> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    return { kind: "help", text: MAIN_HELP };
  }
  if (!(COMMAND_NAMES as readonly string[]).includes(first)) {
    throw usageError(
      `${JSON.stringify(first)} is not a command; use one of ${COMMAND_NAMES.join(", ")} (see --help)`,
    );
  }
  const name = first as CommandName;
  const { values, positionals } = parseFlags(name, rest);
  if (values.help) return { kind: "help", text: COMMAND_HELP[name] };
  const expected = POSITIONALS[name];
  if (positionals.length !== expected.length) {
    const want = expected.length ? `exactly ${expected.join(" ")}` : "no positional arguments";
    throw usageError(`${name} takes ${want}, got ${JSON.stringify(positionals)} (see ${name} --help)`);
  }
  return { kind: "run", command: await buildCommand(name, values, positionals, parseConnection(values)) };
}

function parseFlags(name: CommandName, args: string[]): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args,
      options: { ...CONNECTION, ...OPTIONS[name] },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (err) {
    // node:util's messages already name the flag ("Unknown option '--foo'"); its advice
    // lines mention "--foo=-XYZ" and positionals, which is noise here but for the first.
    const [first, second] = errorMessage(err).split("\n");
    const hint = second?.startsWith("Did you forget") ? ` ${second}` : "";
    throw usageError(`${name}: ${first}${hint} (see ${name} --help)`);
  }
}

function parseConnection(values: Values): ConnectionFlags {
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

const str = (x: Values[string]) => (typeof x === "string" ? x : undefined);
const list = (x: Values[string]) => (Array.isArray(x) ? x : []);

async function buildCommand(
  name: CommandName,
  values: Values,
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
      const targets = list(values.target).map((t) => v.parseTarget(t, "--target"));
      return {
        name,
        targets,
        ...(ref !== undefined ? { ref: v.parseRef(ref) } : {}),
        changedOnly: values["changed-only"] === true,
        json,
        connection,
      };
    }
  }
}

async function buildList(values: Values, connection: ConnectionFlags): Promise<Command> {
  const v = await schemas();
  const target = str(values.target);
  const status = str(values.status);
  const limit = str(values.limit);
  return {
    name: "list",
    json: values.json === true,
    connection,
    ...(target !== undefined ? { target: v.parseTarget(target, "--target") } : {}),
    ...(status !== undefined ? { status: v.parseStatus(status) } : {}),
    ...(limit !== undefined ? { limit: b.parseInteger("--limit", limit, 1, 500) } : {}),
  };
}

async function buildSubmit(values: Values, target: string, connection: ConnectionFlags): Promise<Command> {
  const v = await schemas();
  const ref = str(values.ref);
  const context = str(values.context);
  const key = str(values["idempotency-key"]);
  if (ref !== undefined && context !== undefined) {
    throw usageError(
      "--ref and --context cannot be used together: a build uses a git ref or an uploaded directory",
    );
  }
  if (context === "") throw usageError('--context "" is not a directory');
  if (values.detach === true && values.json === true) {
    throw usageError("--detach and --json cannot be used together: --detach prints only the id");
  }
  return {
    name: "submit",
    target: v.parseTarget(target),
    ...(ref !== undefined ? { ref: v.parseRef(ref) } : {}),
    ...(context !== undefined ? { context } : {}),
    tags: list(values.tag).map(v.parseTag),
    platforms: list(values.platform).map(v.parsePlatform),
    buildArgs: v.parseBuildArgs(list(values["build-arg"])),
    push: values["no-push"] !== true,
    smoke: values["no-smoke"] !== true,
    noCache: values["no-cache"] === true,
    detach: values.detach === true,
    json: values.json === true,
    ...(key !== undefined ? { idempotencyKey: b.parseIdempotencyKey(key) } : {}),
    ...parseBind(values, values.detach === true),
    connection,
  };
}

/** `--bind` / `--no-bind` (absent: decided by serverless mode when the command runs). */
function parseBind(values: Values, detach: boolean): { bind?: boolean } {
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
