// gopkg.in/yaml.v2's scalar resolution (resolve.go, v2.4.0), which container-structure-test
// decodes smoke files with: YAML 1.1 booleans (y/yes/on/off/n/no in three spellings),
// `~`/null/Null/NULL, Go integer syntax with base prefixes and a leading-0 octal,
// underscores between digits, `.inf`/`.nan`, and `<<` as the merge key. A scalar with an
// explicit tag must resolve to that tag or the decode fails.
import { GoDecodeAbort, MAX_INT64, MIN_INT64 } from "./go-types.js";

const LONG = "tag:yaml.org,2002:";
export const TAG = {
  str: `${LONG}str`,
  bool: `${LONG}bool`,
  int: `${LONG}int`,
  float: `${LONG}float`,
  null: `${LONG}null`,
  timestamp: `${LONG}timestamp`,
  binary: `${LONG}binary`,
  merge: `${LONG}merge`,
  seq: `${LONG}seq`,
  map: `${LONG}map`,
} as const;

export type Resolved =
  | { tag: typeof TAG.null; value: null }
  | { tag: typeof TAG.bool; value: boolean }
  | { tag: typeof TAG.int; value: bigint }
  | { tag: typeof TAG.float; value: number }
  | { tag: string; value: string };

const MAP = new Map<string, Resolved>();
for (const [tag, value, words] of [
  [TAG.bool, true, "y Y yes Yes YES true True TRUE on On ON"],
  [TAG.bool, false, "n N no No NO false False FALSE off Off OFF"],
  [TAG.float, NaN, ".nan .NaN .NAN"],
  [TAG.float, Infinity, ".inf .Inf .INF +.inf +.Inf +.INF"],
  [TAG.float, -Infinity, "-.inf -.Inf -.INF"],
] as const) {
  for (const w of words.split(" ")) MAP.set(w, { tag, value } as Resolved);
}
for (const w of ["", "~", "null", "Null", "NULL"]) MAP.set(w, { tag: TAG.null, value: null });
MAP.set("<<", { tag: TAG.merge, value: "<<" });

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_INT = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const MAX_UINT64 = 2n ** 64n - 1n;

/** strconv.ParseInt(s, 0, 64), then ParseUint for values past MaxInt64; undefined when neither. */
export function parseGoInt(s: string): bigint | undefined {
  const m = GO_INT.exec(s);
  if (!m) return undefined;
  const [, sign, digits = ""] = m;
  let magnitude: bigint;
  if (/^0[oO]/.test(digits)) magnitude = BigInt(`0o${digits.slice(2)}`);
  else if (/^0[0-7]+$/.test(digits)) magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits); // decimal, 0x and 0b are BigInt syntax already
  const value = sign === "-" ? -magnitude : magnitude;
  if (value >= MIN_INT64 && value <= MAX_INT64) return value;
  // ParseUint takes no sign.
  return sign === "" && value <= MAX_UINT64 ? value : undefined;
}

function hint(text: string): "N" | "S" | "D" | "M" | "." | undefined {
  if (text === "") return "N";
  const c = text[0]!;
  if (c === "+" || c === "-") return "S";
  if (c >= "0" && c <= "9") return "D";
  if ("yYnNtTfFoO~".includes(c)) return "M";
  if (c === ".") return ".";
  return undefined;
}

function resolvePlain(text: string, tag: string): Resolved {
  const h = hint(text);
  if (h === undefined || tag === TAG.str || tag === TAG.binary) return { tag: TAG.str, value: text };
  const mapped = MAP.get(text);
  if (mapped) return mapped;
  if (h === "." && /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) return { tag: TAG.float, value: Number(text) };
  if (h === "D" || h === "S") {
    // Timestamps (2001-12-14) resolve to !!timestamp in yaml.v2, but decode into a
    // string field as their text and into nothing else, exactly like a string.
    const plain = text.replace(/_/g, "");
    const int = parseGoInt(plain);
    if (int !== undefined) return { tag: TAG.int, value: int };
    if (YAML_STYLE_FLOAT.test(plain)) return { tag: TAG.float, value: Number(plain) };
  }
  return { tag: TAG.str, value: text };
}

function shortTag(tag: string): string {
  return tag.startsWith(LONG) ? `!!${tag.slice(LONG.length)}` : tag;
}

const RESOLVABLE = new Set(["", TAG.str, TAG.bool, TAG.int, TAG.float, TAG.null, TAG.timestamp]);

/** yaml.v2's resolve(tag, in). Throws GoDecodeAbort when an explicit tag does not fit. */
export function resolveScalar(tag: string, text: string): Resolved {
  if (!RESOLVABLE.has(tag)) return { tag, value: text };
  const out = resolvePlain(text, tag);
  if (tag === "" || tag === out.tag || tag === TAG.str) return out;
  if (tag === TAG.float && out.tag === TAG.int) return { tag: TAG.float, value: Number(out.value) };
  throw new GoDecodeAbort(`cannot decode ${shortTag(out.tag)} \`${text}\` as a ${shortTag(tag)}`);
}

/** How yaml.v2 shows a value in "cannot unmarshal" errors. */
export function describeScalar(tag: string, text: string): string {
  const shown = text.length > 10 ? `${text.slice(0, 7)}...` : text;
  return tag === TAG.seq || tag === TAG.map ? shortTag(tag) : `${shortTag(tag)} \`${shown}\``;
}

/** Go's int64(f) conversion for yaml.v2's float → int, or undefined where yaml.v2 refuses. */
export function floatToInt(f: number): bigint | undefined {
  if (Number.isNaN(f) || f >= 2 ** 63) return undefined;
  if (f === -Infinity || f < -(2 ** 63)) return MIN_INT64; // amd64's cvttsd2si
  return BigInt(Math.trunc(f));
}
