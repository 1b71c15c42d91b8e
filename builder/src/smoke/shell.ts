// Shell words for the generated smoke scripts, and Go's os.Expand. What a smoke file
// says (commands, args, env values, paths) is expanded here, at plan time, where
// container-structure-test expands it, and reaches the shell only single-quoted, so
// quotes, `$`, backticks and newlines are data, never syntax.

/** Single-quotes a value for POSIX sh: `it's` → `'it'\''s'`. */
export function quoteShell(value: string): string {
  return `'${value.split("'").join(`'\\''`)}'`;
}

const SPECIAL = /^[*#$@!?\-0-9]$/;
const ALNUM = /^[A-Za-z0-9_]$/;

type Piece = { literal: string } | { variable: string };

/** Go's getShellName: the name after a `$` and how many characters it spans. */
function shellName(s: string): [name: string, width: number] {
  if (s[0] === "{") {
    if (s.length > 2 && SPECIAL.test(s[1]!) && s[2] === "}") return [s[1]!, 3];
    const close = s.indexOf("}", 1);
    if (close === -1) return ["", 1]; // bad syntax: eat "${"
    if (close === 1) return ["", 2]; // bad syntax: eat "${}"
    return [s.slice(1, close), close + 1];
  }
  if (SPECIAL.test(s[0]!)) return [s[0]!, 1];
  let i = 0;
  while (i < s.length && ALNUM.test(s[i]!)) i++;
  return [s.slice(0, i), i];
}

/**
 * Splits a value the way Go's os.Expand reads it (container-structure-test expands
 * `$VAR` and `${VAR}` in commands, env values and paths against the image's
 * environment): `${...}` names whatever is inside the braces, `$1`/`$?` are one-character
 * names, malformed `${` is dropped, and a `$` before anything else stays literal.
 */
export function parseExpansion(value: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = "";
  for (let j = 0; j < value.length; j++) {
    const c = value[j]!;
    if (c !== "$" || j + 1 >= value.length) {
      literal += c;
      continue;
    }
    const [name, width] = shellName(value.slice(j + 1));
    if (name === "" && width === 0) literal += c;
    else if (name !== "") {
      if (literal) pieces.push({ literal });
      literal = "";
      pieces.push({ variable: name });
    }
    j += width;
  }
  if (literal) pieces.push({ literal });
  return pieces;
}

/**
 * `value` with `$VAR`/`${VAR}` replaced from `env` (the image config's Env), as
 * container-structure-test does before it runs anything: the test's own envVars and
 * the runtime's HOME/PWD are not visible to it.
 */
export function expandEnv(value: string, env: Readonly<Record<string, string>>): string {
  return parseExpansion(value)
    .map((p) => ("literal" in p ? p.literal : Object.hasOwn(env, p.variable) ? env[p.variable]! : ""))
    .join("");
}
