// Where a JSON text stops being JSON, as editors show it (line and column, 1-based). V8's
// JSON.parse messages carry an offset only sometimes ("at position 42"), and otherwise quote
// the whole text back ("Unexpected token ',', "{...}" is not valid JSON"), so the config
// loader finds the spot itself with this small RFC 8259 scanner, run only after JSON.parse
// has failed.

export interface JsonSyntaxError {
  line: number;
  column: number;
  message: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** The first syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    const end = skipSpace(text, value(text, skipSpace(text, 0)));
    if (end < text.length)
      throw new Stop(end, `unexpected ${describe(text, end)} after the end of the JSON value`);
    return undefined;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const before = text.slice(0, err.offset);
    const line = before.split("\n").length;
    return { line, column: err.offset - (before.lastIndexOf("\n") + 1) + 1, message: err.message };
  }
}

function describe(text: string, at: number): string {
  return at >= text.length ? "end of file" : JSON.stringify(text[at]);
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  return at;
}

function expect(text: string, at: number, what: string): never {
  throw new Stop(at, `expected ${what}, found ${describe(text, at)}`);
}

/** Parses one value starting at `at` (no leading space); returns the offset after it. */
function value(text: string, at: number): number {
  const c = text[at];
  if (c === "{")
    return container(text, at, "}", (i) => {
      if (text[i] !== '"') expect(text, i, "a property name in double quotes");
      i = skipSpace(text, string(text, i));
      if (text[i] !== ":") expect(text, i, "':' after the property name");
      return value(text, skipSpace(text, i + 1));
    });
  if (c === "[") return container(text, at, "]", (i) => value(text, i));
  if (c === '"') return string(text, at);
  for (const word of ["true", "false", "null"]) if (text.startsWith(word, at)) return at + word.length;
  const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
  if (number && number[0] !== "" && number[0] !== "-") return at + number[0].length;
  return expect(text, at, "a value");
}

/** An object or array: items separated by commas, no trailing comma. */
function container(text: string, at: number, close: string, item: (at: number) => number): number {
  let i = skipSpace(text, at + 1);
  if (text[i] === close) return i + 1;
  for (;;) {
    i = skipSpace(text, item(i));
    if (text[i] === close) return i + 1;
    if (text[i] !== ",") expect(text, i, `',' or '${close}'`);
    i = skipSpace(text, i + 1);
    if (text[i] === close) throw new Stop(i, `a trailing comma before '${close}' is not allowed in JSON`);
  }
}

function string(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return i + 1;
    if (c === "\\") {
      const next = text[i + 1];
      if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 5;
      else if (next !== undefined && '"\\/bfnrt'.includes(next)) i++;
      else throw new Stop(i, "a backslash must start a JSON escape such as \\n or \\u00e9");
    } else if (c < " ") {
      throw new Stop(i, "control characters (a raw newline or tab) must be escaped inside a JSON string");
    }
  }
  throw new Stop(text.length, "the string is not closed before the end of the file");
}
