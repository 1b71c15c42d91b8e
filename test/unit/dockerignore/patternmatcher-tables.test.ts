// moby/patternmatcher's own test tables (test/fixtures/dockerignore/), run through our
// matcher the way the Go tests run them through theirs.
import { describe, expect, it } from "vitest";
import { DockerignoreError } from "../../../common/dockerignore/dockerignore-error.js";
import { goClean, goDir } from "../../../common/dockerignore/go-text.js";
import { parseIgnoreFile } from "../../../common/dockerignore/ignore-file.js";
import { compilePattern } from "../../../common/dockerignore/pattern.js";
import { PatternMatcher, type ParentMatches } from "../../../common/dockerignore/pattern-matcher.js";
import {
  BAD_WHEN_TRIED,
  CLEANED,
  COMPILE,
  GO_MATCH,
  MATCHES,
  MULTI_PATTERN,
  READ_ALL,
  REFUSED_PATTERN_LISTS,
} from "../../fixtures/dockerignore/moby-patternmatcher.js";

const matcher = (patterns: readonly string[]) =>
  new PatternMatcher(patterns.map((pattern, i) => ({ pattern, line: i + 1 })));

/** As fsutil's walk does: each parent directory's results handed to the next level. */
function excludedWalkingParents(m: PatternMatcher, path: string): boolean {
  const dir = goDir(path);
  let parent: ParentMatches | undefined;
  if (dir !== ".") {
    const parts = dir.split("/");
    for (let i = 1; i <= parts.length; i++)
      parent = m.matchWithParents(parts.slice(0, i).join("/"), parent).matches;
  }
  return m.matchWithParents(path, parent).excluded;
}

const cases = [...MATCHES.map(([pattern, path, pass]) => [[pattern], path, pass] as const), ...MULTI_PATTERN];

describe("patternmatcher TestMatches", () => {
  it.each(cases)("MatchesOrParentMatches %j %j → %s", (patterns, path, pass) => {
    expect(matcher(patterns).excludes(path)).toBe(pass);
  });
  it.each(cases)("MatchesUsingParentResults %j %j → %s", (patterns, path, pass) => {
    expect(excludedWalkingParents(matcher(patterns), path)).toBe(pass);
  });
  it.each(cases)("MatchesUsingParentResults without context %j %j → %s", (patterns, path, pass) => {
    expect(matcher(patterns).matchWithParents(path).excluded).toBe(pass);
  });
});

describe("patternmatcher TestMatch (Go's filepath.Match table)", () => {
  it.each(GO_MATCH)("%j on %j → %s (bad pattern: %s)", (pattern, path, pass, bad) => {
    if (bad) {
      expect(() => matcher([pattern])).toThrow(DockerignoreError);
      return;
    }
    const m = matcher([pattern]);
    const cleaned = goClean(path);
    expect(cleaned !== "." && m.excludes(cleaned)).toBe(pass);
    expect(excludedWalkingParents(m, cleaned)).toBe(pass);
  });
});

describe("patternmatcher TestCompile", () => {
  it.each(COMPILE)("%j is a %s match %s", (pattern, type, regexp) => {
    const compiled = compilePattern(goClean(pattern));
    expect(compiled.type).toBe(type);
    if (type === "regexp") expect(compiled.goRegexp).toBe(regexp);
  });
});

describe("patternmatcher New", () => {
  it.each(REFUSED_PATTERN_LISTS)("refuses %j", (...patterns) => {
    expect(() => matcher(patterns)).toThrow(DockerignoreError);
  });
  it.each(CLEANED)("%j keeps %d patterns, exclusions %s", (patterns, size, exclusions) => {
    const m = matcher(patterns);
    expect(m.size).toBe(size);
    expect(m.hasExclusions).toBe(exclusions);
  });
  it(`accepts ${BAD_WHEN_TRIED} and fails each time it is tried`, () => {
    const m = matcher([BAD_WHEN_TRIED]);
    expect(() => m.excludes("x")).toThrow(/line 1: "\[Local-Only\]\/" is not a valid pattern/);
    expect(() => m.excludes("x")).toThrow(DockerignoreError);
  });
});

describe("ignorefile TestReadAll", () => {
  it("reads the file as ReadAll does", () => {
    expect(parseIgnoreFile(READ_ALL.content).map((l) => l.pattern)).toEqual(READ_ALL.patterns);
  });
});
