// The command-line grammar both binaries share: a table of argv -> values/positionals or
// the usage error's message.
import { describe, expect, it } from "vitest";
import { parseFlags, UsageError, type FlagSpecs } from "../../../common/cli-flags.js";

const SPECS: FlagSpecs = {
  tag: { type: "string", multiple: true },
  ref: { type: "string" },
  json: { type: "boolean" },
  follow: { type: "boolean", short: "f" },
};
const parse = (args: string[]) =>
  parseFlags(args, SPECS, { command: "submit", elsewhere: (f) => (f === "--cursor" ? "list" : undefined) });

describe("parseFlags", () => {
  it.each([
    [[], {}, []],
    [["w"], {}, ["w"]],
    [["w", "--json"], { json: true }, ["w"]],
    [["--tag", "a", "--tag=b", "w"], { tag: ["a", "b"] }, ["w"]],
    [["--ref", "main", "--ref", "dev"], { ref: "dev" }, []], // the last one wins, as with node:util parseArgs
    [["--ref=-x"], { ref: "-x" }, []], // an inline value may start with '-'
    [["--ref="], { ref: "" }, []],
    [["-f", "w"], { follow: true }, ["w"]],
    [["--", "--json", "-f"], {}, ["--json", "-f"]],
    [["-"], {}, ["-"]],
    [["--tag", "-"], { tag: ["-"] }, []],
  ])("%j", (args, values, positionals) => {
    expect(parse(args)).toEqual({ values, positionals });
  });

  it.each([
    [["--tga", "x"], "unknown flag --tga for submit; did you mean --tag?"],
    [["--bogus"], "unknown flag --bogus for submit"],
    [["-x"], "unknown flag -x for submit"],
    [["-fj"], "unknown flag -fj for submit"],
    [["--cursor", "c"], "submit has no flag --cursor (it is a flag of list)"],
    [["--ref"], "--ref needs a value"],
    [
      ["--ref", "--json"],
      'the next argument is the flag "--json"; write --ref=VALUE for a value that starts with "-"',
    ],
    [["--json=true"], "--json takes no value (got --json=true)"],
  ])("%j is a usage error: %s", (args, message) => {
    let err: unknown;
    try {
      parse(args);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toContain(message);
    expect((err as UsageError).command).toBe("submit");
  });
});
