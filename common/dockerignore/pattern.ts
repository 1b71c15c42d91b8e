// One `.dockerignore` pattern turned into a path test, with BuildKit's semantics (moby/
// patternmatcher). Our own module: no npm package matches BuildKit here (@balena/dockerignore
// is case-insensitive, leaves `+ ( ) | { }` unescaped, rewrites `\` to `/`, treats `**x` as
// a directory glob), so this follows patternmatcher's documented steps and its test tables
// (test/fixtures/dockerignore/), checked against the real BuildKit in the suite.
//
// How BuildKit reads a pattern: a pattern with no wildcard is an exact path; `x/**` (no
// wildcard before) is a string prefix; `**x` (no wildcard after) is a string suffix, where
// `**/x` also matches `x`; anything else becomes a Go regular expression: `*` is `[^/]*`,
// `?` is `[^/]`, `**/` is `(.*/)?`, a final `**` is `.*`, `.+()|{}$` are escaped, and `[`,
// `]`, `\` and every other character pass through to Go's regexp syntax unchanged. So
// `[...]` is an RE2 class (`[!a]` is `!` or `a`), `\d` is a digit, and `^` is an anchor.
// Those expressions are matched by an RE2 engine (re2js) so the odd cases behave as in Go;
// expressions without `[`, `]` or `\` hold only the constructs above and use a native
// RegExp with the same meaning (Go's `.` never matches "\n"), which is much faster.
import { RE2JS } from "re2js";
import { errorMessage } from "../errors.js";

export type MatchType = "exact" | "prefix" | "suffix" | "regexp";

export interface CompiledPattern {
  type: MatchType;
  /** The Go regular expression BuildKit builds (type "regexp" only). */
  goRegexp?: string;
  /** The same expression for JavaScript, when it needs no RE2 engine. */
  jsRegexp?: string;
}

const ESCAPED = new Set([".", "+", "(", ")", "|", "{", "}", "$"]);

export function compilePattern(cleaned: string): CompiledPattern {
  const cps = Array.from(cleaned);
  let type: MatchType = "exact";
  let go = "^";
  let js = "^";
  let native = true;
  const emit = (goPart: string, jsPart = goPart) => {
    go += goPart;
    js += jsPart;
  };
  for (let k = 0, step = 0; k < cps.length; step++) {
    const ch = cps[k++]!;
    if (ch === "*" && cps[k] === "*") {
      k++;
      if (cps[k] === "/") k++; // `**/` is the same as `**`
      if (k >= cps.length) {
        if (type === "exact") type = "prefix";
        else {
          emit(".*", "[^\\n]*");
          type = "regexp";
        }
      } else {
        emit("(.*/)?", "(?:[^\\n]*/)?");
        type = "regexp";
      }
      if (step === 0) type = "suffix";
    } else if (ch === "*") {
      emit("[^/]*");
      type = "regexp";
    } else if (ch === "?") {
      emit("[^/]");
      type = "regexp";
    } else if (ESCAPED.has(ch)) {
      emit(`\\${ch}`);
    } else if (ch === "\\") {
      native = false;
      if (k < cps.length) {
        emit(`\\${cps[k++]!}`);
        type = "regexp";
      } else emit("\\");
    } else if (ch === "[" || ch === "]") {
      native = false;
      emit(ch);
      type = "regexp";
    } else {
      // Includes `^`, which Go reads as "start of text", exactly as JavaScript does.
      emit(ch);
    }
  }
  if (type !== "regexp") return { type };
  return native ? { type, goRegexp: `${go}$`, jsRegexp: `${js}$` } : { type, goRegexp: `${go}$` };
}

/** Thrown when Go's regexp would not compile the expression (BuildKit: ErrBadPattern). */
export class BadRegexpError extends Error {}

/** A path test for a cleaned pattern; throws BadRegexpError when Go could not compile it. */
export function buildPathTest(cleaned: string): (path: string) => boolean {
  const c = compilePattern(cleaned);
  switch (c.type) {
    case "exact":
      return (path) => path === cleaned;
    case "prefix": {
      const prefix = cleaned.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case "suffix": {
      const suffix = cleaned.slice(2);
      // `**/x` also matches `x` itself.
      const bare = suffix.startsWith("/") ? suffix.slice(1) : undefined;
      return (path) => path.endsWith(suffix) || path === bare;
    }
    case "regexp": {
      if (c.jsRegexp !== undefined) {
        const re = new RegExp(c.jsRegexp, "u");
        return (path) => re.test(path);
      }
      let re: RE2JS;
      try {
        re = RE2JS.compile(c.goRegexp!);
      } catch (err) {
        throw new BadRegexpError(errorMessage(err));
      }
      return (path) => re.matches(path);
    }
  }
}
