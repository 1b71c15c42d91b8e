// Reading rules, Go's text helpers and the two regexp engines. Each answer here was checked
// against the real BuildKit by the differential test (tree-cases.ts holds the same cases).
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { DockerignoreError } from "../../../common/dockerignore/dockerignore-error.js";
import { globSyntaxError } from "../../../common/dockerignore/glob-syntax.js";
import { goClean, goDir, goTrimSpace } from "../../../common/dockerignore/go-text.js";
import { parseIgnoreFile } from "../../../common/dockerignore/ignore-file.js";
import { buildPathTest, compilePattern } from "../../../common/dockerignore/pattern.js";
import { PatternMatcher } from "../../../common/dockerignore/pattern-matcher.js";
import { COMPILE, GO_MATCH, MATCHES } from "../../fixtures/dockerignore/moby-patternmatcher.js";

const patterns = (text: string) => parseIgnoreFile(text).map((l) => l.pattern);
const excludes = (text: string, p: string) => new PatternMatcher(parseIgnoreFile(text)).excludes(p);

describe("parseIgnoreFile", () => {
  it.each([
    [" # x\n#y\n", ["# x"]],
    ["\uFEFFa\n\uFEFFb\n", ["a", "\uFEFFb"]],
    ["a\r\nb\r\r\n", ["a", "b"]],
    ["x\u0085\n\u00a0y\u3000\n", ["x", "y"]],
    ["/a\n./b\nc/../d\n../e\nf//g/\n/\n", ["a", "b", "d", "../e", "f/g", "/"]],
    ["  !  keep \n!\n! /\n", ["!keep", "!", "!/"]],
    ["a\\b\n", ["a\\b"]],
    ["last", ["last"]],
  ])("%j → %j", (text, expected) => {
    expect(patterns(text)).toEqual(expected);
  });

  it("numbers lines as the file does, comments and blanks included", () => {
    expect(parseIgnoreFile("# c\n\na\n  \nb").map((l) => l.line)).toEqual([3, 5]);
  });

  it("refuses a line BuildKit's reader cannot hold (64 KiB)", () => {
    expect(patterns(`${"x".repeat(65535)}\n`)).toHaveLength(1);
    expect(() => parseIgnoreFile(`a\n${"x".repeat(65536)}\n`)).toThrow(/line 2 is longer than 65535 bytes/);
  });
});

describe("Go text helpers", () => {
  it.each([
    ["", "."],
    ["a//b/./c/..", "a/b"],
    ["/../a", "/a"],
    ["a/../..", ".."],
    ["!/", "!"],
  ])("Clean(%j) = %j", (p, expected) => expect(goClean(p)).toBe(expected));
  it.each([
    ["a/b", "a"],
    ["file/", "file"],
    ["x", "."],
    ["/", "/"],
  ])("Dir(%j) = %j", (p, expected) => expect(goDir(p)).toBe(expected));
  it("TrimSpace trims U+0085 and keeps U+FEFF, unlike String.prototype.trim", () => {
    expect(goTrimSpace("\u0085 a\t")).toBe("a");
    expect("\u0085 a\t".trim()).not.toBe("a");
    expect(goTrimSpace("\uFEFFa")).toBe("\uFEFFa");
  });
});

describe("filepath.Match syntax", () => {
  it.each(GO_MATCH.map(([p, , , bad]) => [p, bad] as const))("%j bad=%s", (p, bad) => {
    expect(globSyntaxError(p) !== undefined).toBe(bad);
  });
  it.each(["[*]", "[[:alpha:]]", "[Local-Only]", "a\\y", "[z-a]", "[\\]]"])("%j is valid for Match", (p) => {
    expect(globSyntaxError(p)).toBeUndefined();
  });
});

describe("issue 12's cases", () => {
  it.each([
    ["*.MD", "a.md", false],
    ["*.MD", "A.MD", true],
    ["c++/build", "c++/build/out.o", true],
    ["a|b", "a", false],
    ["a|b", "a|b", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "a/b", false],
    ["**file", "dir/myfile", true],
    [" # x", "# x", true],
  ])("%j: %s excluded=%s", (text, p, expected) => {
    expect(excludes(text, p)).toBe(expected);
  });
  it.each(["[]a]", "!", "keep\n!"])("%j is refused with its line", (text) => {
    expect(() => new PatternMatcher(parseIgnoreFile(text))).toThrow(DockerignoreError);
  });
});

describe("native RegExp and RE2 agree where the native one is used", () => {
  const names = [
    ...MATCHES.map(([, p]) => p),
    "a\nb",
    "d\ne/fa",
    "😀",
    "a😀b",
    "^a",
    "a",
    "x/y/z.txt",
    ".hidden",
  ];
  const nativePatterns = [
    ...MATCHES.map(([p]) => p),
    ...COMPILE.map(([p]) => p),
    "a*b",
    "**/f*",
    "^a*",
    "?",
    "a?b",
  ]
    .map((p) => goClean(p))
    .filter((p) => compilePattern(p).jsRegexp !== undefined);

  it.each(nativePatterns)("%j", (p) => {
    const compiled = compilePattern(p);
    const re2 = RE2JS.compile(compiled.goRegexp!);
    const test = buildPathTest(p);
    for (const name of names) expect([name, test(name)]).toEqual([name, re2.matches(name)]);
  });
});
