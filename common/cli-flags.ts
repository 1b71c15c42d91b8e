// The command-line grammar both binaries share: `--name value`, `--name=value`, `-x`,
// booleans, repeatable flags, `--` ending the flags. It replaces node:util parseArgs,
// whose errors ("Unknown option '--tga'. To specify a positional argument starting with
// a '-', place it at the end of the command after '--', as in '-- \"--tga\"") say nothing
// about what was meant: here an unknown flag names the nearest one, and a flag that
// belongs to another command says which.
import { didYouMean } from "./suggest.js";

export interface FlagSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
}
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** A command line that cannot be run as typed (exit 2). `command` names the command whose help applies. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError;
}

export interface ParseFlagsOptions {
  /** The command, for messages: "submit", "cache prune". */
  command: string;
  /** Where an unknown flag is a flag of other commands: "logs". */
  elsewhere?: (flag: string) => string | undefined;
}

export interface ParsedFlags {
  values: FlagValues;
  positionals: string[];
}

export function parseFlags(args: readonly string[], specs: FlagSpecs, opts: ParseFlagsOptions): ParsedFlags {
  const values: FlagValues = {};
  const positionals: string[] = [];
  const fail = (message: string) => new UsageError(message, opts.command);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const { name, shown, inline } = splitFlag(arg, specs);
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec === undefined) throw fail(unknownFlag(shown, specs, opts));
    if (spec.type === "boolean") {
      if (inline !== undefined) throw fail(`${shown} takes no value (got ${arg})`);
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined) throw fail(`${shown} needs a value`);
      if (next.startsWith("-") && next !== "-") {
        throw fail(
          `${shown} needs a value, but the next argument is the flag ${JSON.stringify(next)}; write ${shown}=VALUE for a value that starts with "-"`,
        );
      }
      value = next;
      i++;
    }
    if (spec.multiple) values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    else values[name] = value;
  }
  return { values, positionals };
}

function splitFlag(arg: string, specs: FlagSpecs): { name?: string; shown: string; inline?: string } {
  if (arg.startsWith("--")) {
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    return { name, shown: `--${name}`, ...(eq === -1 ? {} : { inline: arg.slice(eq + 1) }) };
  }
  // A short flag: one letter, never grouped (`-hf` is not two flags here).
  const letter = arg.slice(1);
  const name = Object.keys(specs).find((k) => specs[k]?.short === letter);
  return { ...(name !== undefined ? { name } : {}), shown: arg };
}

function unknownFlag(shown: string, specs: FlagSpecs, opts: ParseFlagsOptions): string {
  const other = opts.elsewhere?.(shown);
  if (other !== undefined) return `${opts.command} has no flag ${shown} (it is a flag of ${other})`;
  const names = Object.keys(specs).map((k) => `--${k}`);
  return `unknown flag ${shown} for ${opts.command}${didYouMean(shown, names)}`;
}
