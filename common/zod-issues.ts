// Validation failures as one sentence a person can act on, for config files (`config
// check`, startup) and recorded requests: each bad field by its path, the value it had when
// that value is short (a string, a number — never a whole parent object), unknown keys one
// by one with the nearest known key, and of a union (a source is git or path) the branch
// the input was closest to.
import type { z } from "zod";
import { didYouMean } from "./suggest.js";

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

export interface DescribeOptions {
  /** The keys an object at `path` may have, for "did you mean" on unknown keys. */
  knownKeys?: (path: Path) => readonly string[] | undefined;
}

/** One sentence naming each bad field and, where it is short, the value it had. */
export function describeIssues(error: z.ZodError, input?: unknown, options: DescribeOptions = {}): string {
  return flattenIssues(error.issues, [])
    .flatMap((issue) => describeIssue(issue, input, options))
    .join("; ");
}

/** Issues with absolute paths; a union's issues replaced by those of the branch that came closest. */
function flattenIssues(issues: readonly Issue[], prefix: Path): Issue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const sizes = issue.errors.map((branch) => branch.length);
      const fewest = Math.min(...sizes);
      // Only when one branch is clearly closer; otherwise the union's own message says what fits.
      if (sizes.filter((n) => n === fewest).length === 1) {
        return flattenIssues(issue.errors[sizes.indexOf(fewest)]!, path);
      }
    }
    return [{ ...issue, path: path as PropertyKey[] } as Issue];
  });
}

function describeIssue(issue: Issue, input: unknown, options: DescribeOptions): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = options.knownKeys?.(issue.path) ?? [];
    return issue.keys.map((key) => `${showPath([...issue.path, key])}: unknown key${didYouMean(key, known)}`);
  }
  return [`${showPath(issue.path)}: ${issue.message}${showValue(valueAt(input, issue.path))}`];
}

function showPath(path: Path): string {
  return path.length ? path.map(String).join(".") : "(root)";
}

/** ` (got "amd64")` for a short scalar; nothing for objects and arrays, which would dump a parent. */
function showValue(value: unknown): string {
  if (value === undefined || (typeof value === "object" && value !== null)) return "";
  const text = JSON.stringify(value) ?? String(value);
  return ` (got ${text.length > 120 ? `${text.slice(0, 117)}...` : text})`;
}

function valueAt(input: unknown, path: Path): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/**
 * The keys a zod object schema accepts at `path` (through records, optionals, defaults,
 * unions of objects), for "did you mean" on unknown keys; undefined where it cannot tell.
 */
export function knownKeysAt(schema: z.ZodType, path: Path): string[] | undefined {
  let current: unknown[] = [schema];
  for (const key of path) current = current.flatMap((s) => childSchemas(s, key));
  const keys = current.flatMap((s) => objectKeys(s) ?? []);
  return keys.length ? [...new Set(keys)] : undefined;
}

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  valueType?: unknown;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  options?: unknown[];
}

const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } })?._zod?.def;

/** Looks through wrappers (optional, default, nullable, pipe) and unions to the schemas that matter. */
function unwrap(s: unknown): unknown[] {
  const def = defOf(s);
  if (!def) return [];
  if (def.innerType !== undefined) return unwrap(def.innerType);
  // A pipe's input may be a bare transform (records check their own keys first): look at both ends.
  if (def.type === "pipe") return [def.in, def.out].flatMap((end) => (end === undefined ? [] : unwrap(end)));
  if (def.type === "union" && def.options) return def.options.flatMap(unwrap);
  return [s];
}

function childSchemas(s: unknown, key: PropertyKey): unknown[] {
  return unwrap(s).flatMap((u) => {
    const def = defOf(u)!;
    if (def.type === "object" && def.shape && typeof key === "string" && key in def.shape)
      return [def.shape[key]];
    if (def.type === "record" && def.valueType !== undefined) return [def.valueType];
    return [];
  });
}

function objectKeys(s: unknown): string[] | undefined {
  const keys = unwrap(s).flatMap((u) => {
    const def = defOf(u)!;
    return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
  });
  return keys.length ? keys : undefined;
}
