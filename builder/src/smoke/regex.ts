// container-structure-test matches expected/excluded output with Go's regexp (RE2)
// against the whole text, unanchored. JavaScript's RegExp agrees on almost everything a
// smoke file uses; this translates the RE2 spellings JavaScript lacks so that files
// written for that tool behave the same here.

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-/:-@[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** Leading `(?flags)` group: RE2 allows it anywhere, JavaScript (Node 20) nowhere. */
function splitLeadingFlags(pattern: string): { flags: string; body: string } {
  const m = /^\(\?([imsU]+)\)/.exec(pattern);
  if (!m) return { flags: "", body: pattern };
  const goFlags = m[1]!;
  if (goFlags.includes("U")) {
    throw new Error(
      "the (?U) ungreedy flag has no JavaScript equivalent; write lazy quantifiers such as .*? instead",
    );
  }
  return { flags: [...new Set(goFlags)].join(""), body: pattern.slice(m[0].length) };
}

function translateBody(body: string): string {
  return (
    body
      .replace(/\(\?P</g, "(?<") // named groups
      .replace(/\[:(\^?)([a-z]+):\]/g, (whole, neg: string, name: string) => {
        const cls = POSIX_CLASSES[name];
        if (!cls) return whole;
        if (neg) throw new Error(`negated POSIX class [:^${name}:] is not supported; use [^${cls}] instead`);
        return cls;
      })
      // Only an unescaped \A or \z (an even run of backslashes before it is literal).
      .replace(/(?<!\\)((?:\\\\)*)\\([pP])([A-Z])/g, "$1\\$2{$3}") // \pL → \p{L}
      .replace(/(?<!\\)((?:\\\\)*)\\A/g, "$1^")
      .replace(/(?<!\\)((?:\\\\)*)\\z/g, "$1$$(?![\\s\\S])")
  );
}

/**
 * Compiles an RE2 pattern as a JavaScript RegExp. Throws an Error whose message says
 * what is wrong with the pattern.
 */
export function parseGoRegex(pattern: string): RegExp {
  const { flags, body } = splitLeadingFlags(pattern);
  const source = translateBody(body);
  // Unicode mode matches RE2's code-point semantics (\p{L}, astral characters); some
  // identity escapes RE2 allows (\- outside a class) are errors in it, so fall back.
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    return new RegExp(source, flags);
  }
}

/** Unanchored search, as Go's MatchString. */
export function matchesGoRegex(pattern: string, text: string): boolean {
  return parseGoRegex(pattern).test(text);
}
