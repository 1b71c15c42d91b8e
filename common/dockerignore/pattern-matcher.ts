// The list of `.dockerignore` patterns as BuildKit's client applies it (moby/patternmatcher's
// matcher, driven by tonistiigi/fsutil's walk). Our own code; see pattern.ts for why.
//
// Rules it keeps: patterns are trimmed and cleaned again; `!` alone (also `!/`, which cleans
// to `!`) is refused; each pattern must be valid for Go's filepath.Match; the last matching
// pattern wins, and a pattern is only tried when it could change the answer (an exclusion
// only once something matched, an inclusion only while nothing has); a regular expression Go
// cannot compile fails when it is first tried, not before (BuildKit's behaviour, so a
// pattern that is never reached does not fail the build).
import { DockerignoreError } from "./dockerignore-error.js";
import { globSyntaxError } from "./glob-syntax.js";
import { goClean, goDir, goTrimSpace } from "./go-text.js";
import type { IgnoreLine } from "./ignore-file.js";
import { BadRegexpError, buildPathTest } from "./pattern.js";

/** Per pattern, whether a directory matched it; handed to the directory's children. */
export type ParentMatches = readonly boolean[];

class Pattern {
  private test?: (path: string) => boolean;
  constructor(
    /** The cleaned pattern without its `!`. */
    readonly text: string,
    readonly exclusion: boolean,
    private readonly source: { file: string; line: number; raw: string },
  ) {}

  match(path: string): boolean {
    if (!this.test) {
      try {
        this.test = buildPathTest(this.text);
      } catch (err) {
        if (!(err instanceof BadRegexpError)) throw err;
        const { file, line, raw } = this.source;
        throw new DockerignoreError(
          `${file} line ${line}: ${JSON.stringify(raw)} is not a valid pattern (${err.message}); docker build refuses it too`,
          { file, line, pattern: raw },
        );
      }
    }
    return this.test(path);
  }
}

// Characters that make fsutil walk into an excluded directory instead of skipping it.
const PATTERN_CHARS = /[*[\]?^\\]/;

function withoutTrailingGlob(text: string): string {
  let s = text;
  if (s.endsWith("/**")) s = s.slice(0, -3);
  if (s.endsWith("/*")) s = s.slice(0, -2);
  return s;
}

export class PatternMatcher {
  private readonly patterns: Pattern[] = [];
  /** True when some pattern starts with `!`. */
  readonly hasExclusions: boolean;
  private readonly onlyPrefixExclusions: boolean;

  constructor(lines: readonly IgnoreLine[], file = ".dockerignore") {
    for (const { pattern: given, line, text } of lines) {
      const raw = text ?? given;
      let p = goTrimSpace(given);
      if (p === "") continue;
      p = goClean(p);
      const exclusion = p.startsWith("!");
      if (exclusion) {
        if (p.length === 1) {
          throw new DockerignoreError(
            `${file} line ${line}: ${JSON.stringify(raw)} is an exception with no pattern; write the path after the \`!\` (docker build refuses a lone \`!\` too)`,
            { file, line, pattern: raw },
          );
        }
        p = p.slice(1);
      }
      const bad = globSyntaxError(p);
      if (bad !== undefined) {
        throw new DockerignoreError(
          `${file} line ${line}: ${JSON.stringify(raw)} is not a valid pattern: ${bad} (escape a literal \`[\`, \`]\` or \`\\\` with \`\\\`); docker build refuses it too`,
          { file, line, pattern: raw },
        );
      }
      this.patterns.push(new Pattern(p, exclusion, { file, line, raw }));
    }
    this.hasExclusions = this.patterns.some((p) => p.exclusion);
    this.onlyPrefixExclusions = !this.patterns.some(
      (p) => p.exclusion && PATTERN_CHARS.test(withoutTrailingGlob(p.text)),
    );
  }

  /** How many patterns are in use (blank ones are dropped). */
  get size(): number {
    return this.patterns.length;
  }

  /**
   * Whether `path` is excluded, given its parent directory's results (undefined for a
   * top-level entry: then the path's own parent directories are tried, as for a lone path).
   * Returns the results its children need.
   */
  matchWithParents(path: string, parent?: ParentMatches): { excluded: boolean; matches: boolean[] } {
    let excluded = false;
    const matches = new Array<boolean>(this.patterns.length).fill(false);
    this.patterns.forEach((pattern, i) => {
      // A directory that matched a pattern makes its whole content match it too.
      let match = parent?.[i] ?? false;
      if (!match) {
        if (pattern.exclusion !== excluded) return;
        match = pattern.match(path) || (!parent && this.parentMatches(pattern, path));
      }
      matches[i] = match;
      if (match) excluded = !pattern.exclusion;
    });
    return { excluded, matches };
  }

  /** Whether a lone path is excluded: it or one of its parent directories matches. */
  excludes(path: string): boolean {
    let excluded = false;
    for (const pattern of this.patterns) {
      if (pattern.exclusion !== excluded) continue;
      if (pattern.match(path) || this.parentMatches(pattern, path)) excluded = !pattern.exclusion;
    }
    return excluded;
  }

  private parentMatches(pattern: Pattern, path: string): boolean {
    const dir = goDir(path);
    if (dir === ".") return false;
    const parts = dir.split("/");
    for (let i = 1; i <= parts.length; i++) {
      // BuildKit ignores errors here: the pattern was already tried on the path itself.
      if (pattern.match(parts.slice(0, i).join("/"))) return true;
    }
    return false;
  }

  /**
   * Whether an excluded directory can be skipped without looking inside: fsutil does so
   * when no exception could bring anything in it back — only when every exception is a plain
   * path (maybe ending in `/*` or `/**`), and none lies under the directory.
   */
  canSkipExcludedDir(dir: string): boolean {
    if (!this.onlyPrefixExclusions) return false;
    if (!this.hasExclusions) return true;
    const dirSlash = `${dir}/`;
    return !this.patterns.some((p) => p.exclusion && `${withoutTrailingGlob(p.text)}/`.startsWith(dirSlash));
  }
}
