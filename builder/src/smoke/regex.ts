// container-structure-test matches every expected/excluded pattern with Go's regexp:
// `regexp.Compile(p)` then `MatchString(text)` (unanchored search, RE2 syntax and
// semantics). Patterns run here through re2js, a port of that engine, not through a
// translation to JavaScript's RegExp: `.` matches `\r`, `(?m)$` matches only before
// `\n`, `\s`/`\d`/`\w`/`\b` are ASCII, `\Q...\E`, `(?U)`, `\pL` and POSIX classes work,
// and what RE2 rejects (backreferences, lookaround, `a**`, `\Z`) is rejected. The
// verdicts are checked against Go's own regexp in test/fixtures/smoke/go-regexp/.
import { RE2JS } from "re2js";
import { errorMessage } from "../../../common/errors.js";

type Compiled = { ok: true; re: RE2JS } | { ok: false; error: string };

// Smoke files repeat patterns across tests and runs; compiling is the costly part.
const cache = new Map<string, Compiled>();
const CACHE_MAX = 1000;

/** Compiles an RE2 pattern as Go's regexp.Compile would; an invalid one gives Go's message. */
export function compileGoRegex(pattern: string): Compiled {
  let compiled = cache.get(pattern);
  if (compiled) return compiled;
  try {
    compiled = { ok: true, re: RE2JS.compile(pattern) };
  } catch (err) {
    compiled = { ok: false, error: errorMessage(err) };
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

/** The error Go's regexp.Compile gives for the pattern, or undefined when it is valid RE2. */
export function goRegexError(pattern: string): string | undefined {
  const compiled = compileGoRegex(pattern);
  return compiled.ok ? undefined : compiled.error;
}

/**
 * container-structure-test's CompileAndRunRegex: true when the text matches (or, with
 * shouldMatch false, does not). A pattern Go cannot compile is false either way, so an
 * invalid expected *or* excluded pattern fails its test.
 */
export function checkGoRegex(pattern: string, text: string, shouldMatch: boolean): boolean {
  const compiled = compileGoRegex(pattern);
  if (!compiled.ok) return false;
  return compiled.re.test(text) === shouldMatch;
}

/** Unanchored search, as Go's MatchString; throws on a pattern Go would reject. */
export function matchesGoRegex(pattern: string, text: string): boolean {
  const compiled = compileGoRegex(pattern);
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.re.test(text);
}
