// POSIX shell words for the generated smoke scripts. Everything a smoke file says
// (commands, args, env values, paths) is expanded here, at plan time, against the
// image's config env, and reaches /bin/sh only single-quoted, so quotes, `$`,
// backticks and newlines are data, never syntax.

/** Single-quotes a value for POSIX sh: `it's` → `'it'\''s'`. */
export function quoteShell(value: string): string {
  return `'${value.split("'").join(`'\\''`)}'`;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SPECIAL = /[*#$@!?\-0-9]/;
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Piece = { literal: string } | { variable: string };

/**
 * Splits a value the way Go's os.Expand reads it (container-structure-test expands
 * `$VAR` and `${VAR}` in commands, args, env values and paths against the image's
 * environment). Special names (`$1`, `$?`...) and names that are not identifiers
 * expand to nothing, as they do there; malformed `${` is dropped; a `$` before
 * anything else stays literal.
 */
export function parseExpansion(value: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = "";
  const flush = () => {
    if (literal) pieces.push({ literal });
    literal = "";
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const next = value[i + 1];
    if (c !== "$" || next === undefined) {
      literal += c;
      continue;
    }
    if (next === "{") {
      const close = value.indexOf("}", i + 2);
      if (close === -1) {
        i += 1; // bad syntax: os.Expand eats "${"
        continue;
      }
      const name = value.slice(i + 2, close);
      flush();
      if (SHELL_NAME.test(name)) pieces.push({ variable: name });
      i = close;
    } else if (SPECIAL.test(next)) {
      i += 1; // $1, $?, $$ ...: never set in an image's config, so empty
    } else if (NAME_START.test(next)) {
      let j = i + 1;
      while (j < value.length && NAME_CHAR.test(value[j]!)) j++;
      flush();
      pieces.push({ variable: value.slice(i + 1, j) });
      i = j - 1;
    } else {
      literal += c;
    }
  }
  flush();
  return pieces;
}

/**
 * `value` with `$VAR`/`${VAR}` replaced from `env` (the image config's Env), as
 * container-structure-test does before it runs anything: the test's own envVars and
 * the runtime's HOME/PWD are not visible to it.
 */
export function expandEnv(value: string, env: Readonly<Record<string, string>>): string {
  return parseExpansion(value)
    .map((p) => ("literal" in p ? p.literal : (env[p.variable] ?? "")))
    .join("");
}
