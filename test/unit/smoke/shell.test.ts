import { describe, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";
import { expandEnv, parseExpansion, quoteShell } from "../../../builder/src/smoke/shell.js";

describe("quoteShell", () => {
  const cases: [string, string][] = [
    ["plain", "'plain'"],
    ["", "''"],
    ["it's", "'it'\\''s'"],
    ["$HOME `id` $(id) \\", "'$HOME `id` $(id) \\'"],
    ["two\nlines", "'two\nlines'"],
    ["''", "''\\'''\\'''"],
    ['"double"', "'\"double\"'"],
  ];
  it.each(cases)("quotes %j", (value, expected) => {
    expect(quoteShell(value)).toBe(expected);
  });

  it("round-trips every awkward value through a real /bin/sh unchanged", async () => {
    const values = cases.map(([v]) => v).concat(["-n", "*", "a;b|c&d", "tab\there", "ünï©ødé", "\\n"]);
    const script = values.map((v) => `printf '%s\\0' ${quoteShell(v)}`).join("\n");
    const result = await run(["/bin/sh", "-c", script]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.join("\n").split("\0").slice(0, -1)).toEqual(values);
  });
});

describe("expandEnv follows Go's os.Expand, as container-structure-test does", () => {
  const env = { HOME: "/home/app", APP: "/app", A_1: "x" };
  const cases: [string, string][] = [
    ["$HOME/bin", "/home/app/bin"],
    ["${APP}/data", "/app/data"],
    ["$A_1$A_1", "xx"],
    ["$UNSET-", "-"],
    ["${UNSET}", ""],
    ["cost: $5", "cost: "], // $5 is a special (positional) name: empty
    ["$$", ""], // $$ is special too: empty, there is no escape
    ["$?x", "x"],
    ["100$", "100$"], // a trailing $ stays
    ["a $ b", "a $ b"], // $ before a space stays
    ["$(id)", "$(id)"], // $ before ( stays
    ["${}", ""], // bad syntax: eaten
    ["${unterminated", "unterminated"], // bad syntax: "${" eaten, the rest kept
    ["${not a name}", ""],
    ["${HOME}${APP}", "/home/app/app"],
  ];
  it.each(cases)("expands %j", (value, expected) => {
    expect(expandEnv(value, env)).toBe(expected);
  });

  it("splits into literal and variable pieces", () => {
    expect(parseExpansion("a${B}c$D")).toEqual([
      { literal: "a" },
      { variable: "B" },
      { literal: "c" },
      { variable: "D" },
    ]);
  });
});
