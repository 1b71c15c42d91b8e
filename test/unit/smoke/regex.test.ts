import { describe, expect, it } from "vitest";
import { matchesGoRegex, parseGoRegex } from "../../../builder/src/smoke/regex.js";

describe("RE2 patterns from container-structure-test files", () => {
  const cases: [string, string, boolean][] = [
    ["Python 3\\.1[0-9]", "Python 3.11.2", true],
    ["Python 3\\.1[0-9]", "Python 2.7", false],
    ["hello", "say hello world", true], // unanchored search
    ["^hello$", "hello\nworld", false], // ^ and $ are text anchors by default
    ["(?m)^world$", "hello\nworld\n", true],
    ["(?i)ERROR", "an error", true],
    ["(?s)a.b", "a\nb", true],
    ["a.b", "a\nb", false],
    ["(?P<v>\\d+)\\.\\d+", "v 3.11", true],
    ["[[:digit:]]+", "abc 42", true],
    ["[^[:space:]]+x", "  yx", true],
    ["\\Astart", "start here", true],
    ["\\Astart", "not start", false],
    ["end\\z", "the end", true],
    ["end\\z", "the end\n", false],
    ["\\\\A", "a \\A b", true], // an escaped backslash then a literal A
    ["\\pL+", "héllo", true],
    ["a\\-b", "a-b", true], // identity escape RE2 allows
  ];
  it.each(cases)("/%s/ on %j → %s", (pattern, text, expected) => {
    expect(matchesGoRegex(pattern, text)).toBe(expected);
  });

  it.each([
    ["(unclosed", /Invalid regular expression/],
    ["(?U)a+", /ungreedy/],
    ["[[:^digit:]]", /negated POSIX class/],
  ])("rejects %s with a reason", (pattern, message) => {
    expect(() => parseGoRegex(pattern)).toThrow(message);
  });
});
