// Whether Go's filepath.Match (on Linux) accepts a pattern, i.e. does not return
// ErrBadPattern. BuildKit's pattern matcher calls it once per pattern purely for this check;
// the matching itself is done differently (pattern.ts). Written from the grammar Go
// documents for Match:
//
//   pattern:  { term }
//   term:     '*' | '?' | '[' [ '^' ] { range } ']' | c | '\\' c
//   range:    lo [ '-' hi ]       lo, hi: c (not '-' or ']') | '\\' c
//
// with Go's extra rules: a class needs at least one range before its closing ']'
// (so `[]a]` is bad), a class must be closed, and a trailing lone '\\' is bad. Match
// checks the whole pattern even when the name does not match, so this is the exact test.

/** A reason when Go's filepath.Match rejects the pattern, undefined when it accepts it. */
export function globSyntaxError(pattern: string): string | undefined {
  const cps = Array.from(pattern);
  let i = 0;
  while (i < cps.length) {
    const c = cps[i];
    if (c === "\\") {
      if (i + 1 >= cps.length) return "it ends with a lone `\\`";
      i += 2;
    } else if (c === "[") {
      i++;
      if (cps[i] === "^") i++;
      for (let ranges = 0; ; ranges++) {
        if (cps[i] === "]" && ranges > 0) {
          i++;
          break;
        }
        const lo = classChar(cps, i);
        if (typeof lo === "string") return lo;
        i = lo;
        if (cps[i] === "-") {
          const hi = classChar(cps, i + 1);
          if (typeof hi === "string") return hi;
          i = hi;
        }
      }
    } else {
      i++;
    }
  }
  return undefined;
}

/** Reads one (possibly escaped) class character at i: the index after it, or why it is bad. */
function classChar(cps: readonly string[], i: number): number | string {
  const c = cps[i];
  if (c === undefined) return "a `[` character class is not closed";
  if (c === "-" || c === "]") return `a character class has \`${c}\` where a character is expected`;
  let next = i + 1;
  if (c === "\\") {
    if (next >= cps.length) return "a `[` character class is not closed";
    next++;
  }
  // Go also requires something after the character: the class must still be closed.
  if (next >= cps.length) return "a `[` character class is not closed";
  return next;
}
