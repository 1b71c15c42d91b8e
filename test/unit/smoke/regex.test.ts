// The oracle is Go's regexp, the engine container-structure-test matches with:
// test/fixtures/smoke/go-regexp/verdicts.json was written by main.go beside it (Go
// standard library only) from pairs.json. Every pair must get Go's verdict: valid or
// not, and for a valid pattern, match or not.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  checkGoRegex,
  compileGoRegex,
  goRegexError,
  matchesGoRegex,
} from "../../../builder/src/smoke/regex.js";

interface Verdict {
  pattern: string;
  text: string;
  why: string;
  valid: boolean;
  error?: string;
  match: boolean;
}

const table = JSON.parse(readFileSync("test/fixtures/smoke/go-regexp/verdicts.json", "utf8")) as {
  go: string;
  verdicts: Verdict[];
};

describe(`RE2 verdicts against Go's regexp (${table.go})`, () => {
  it("has the pairs the issue asks for (61 or more, invalid and valid)", () => {
    expect(table.verdicts.length).toBeGreaterThanOrEqual(61);
    expect(table.verdicts.filter((v) => !v.valid).length).toBeGreaterThanOrEqual(10);
  });

  it.each(table.verdicts.map((v) => [v.why, v] as const))("%s", (_why, v) => {
    const compiled = compileGoRegex(v.pattern);
    expect(compiled.ok).toBe(v.valid);
    if (v.valid) expect(matchesGoRegex(v.pattern, v.text)).toBe(v.match);
    else expect(goRegexError(v.pattern)).toBe(v.error);
  });
});

describe("checkGoRegex is container-structure-test's CompileAndRunRegex", () => {
  it("passes a found expected pattern and an absent excluded one", () => {
    expect(checkGoRegex("Usage", "Usage: x", true)).toBe(true);
    expect(checkGoRegex("FAIL", "ok", false)).toBe(true);
  });

  it("fails a missing expected pattern and a found excluded one", () => {
    expect(checkGoRegex("Usage", "nothing", true)).toBe(false);
    expect(checkGoRegex("FAIL", "FAIL", false)).toBe(false);
  });

  it("fails an invalid pattern whether expected or excluded", () => {
    expect(checkGoRegex("(a)\\1", "aa", true)).toBe(false);
    expect(checkGoRegex("(a)\\1", "zz", false)).toBe(false);
  });
});
