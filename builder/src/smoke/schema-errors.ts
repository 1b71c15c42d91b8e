// Turns zod issues for a smoke file into sentences that name the field by its path and
// say what would be valid ("commandTests[1].expectedOuput is not a supported field; did
// you mean expectedOutput?").
import { z } from "zod";

export interface SmokeFileIssue {
  path: string;
  message: string;
}

/** Fields of container-structure-test that this builder deliberately does not run. */
const UNSUPPORTED: Record<string, string> = {
  licenseTests: "license tests are not supported here",
  globalEnvVars: "set env vars per command test with envVars instead",
  containerRunOptions: "tests run inside BuildKit, not with docker run, so there are no run options",
  unboundEnvVars: "only envVars is supported in metadataTest",
  unexposedPorts: "only exposedPorts is supported in metadataTest",
  volumes: "volume checks are not supported",
  unmountedVolumes: "volume checks are not supported",
  env: "it is the old name of metadataTest.envVars; use envVars",
};

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + cost);
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The closest allowed name, if it is close enough to be a likely typo. */
export function suggestField(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s;
}

/** The keys the object schema at `path` accepts. */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s = unwrap(schema);
  for (const part of path) {
    if (typeof part === "number" && s instanceof z.ZodArray) s = unwrap(s.element as z.ZodType);
    else if (s instanceof z.ZodObject) s = unwrap((s.shape as Record<string, z.ZodType>)[String(part)]!);
    else return [];
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const part of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

function describeUnknownKey(path: readonly PropertyKey[], key: string, allowed: string[]): SmokeFileIssue {
  const where = formatPath([...path, key]);
  const reason = UNSUPPORTED[key];
  if (reason) return { path: where, message: `${where} is not a supported field: ${reason}.` };
  const guess = suggestField(key, allowed);
  const hint = guess ? `did you mean ${guess}?` : `supported fields here are ${allowed.join(", ")}.`;
  return { path: where, message: `${where} is not a supported field; ${hint}` };
}

function describeOne(issue: z.core.$ZodIssue, schema: z.ZodType, raw: unknown): SmokeFileIssue[] {
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(schema, issue.path);
    return issue.keys.map((key) => describeUnknownKey(issue.path, key, allowed));
  }
  const where = formatPath(issue.path) || "the file";
  const value = valueAt(raw, issue.path);
  if (value === undefined && issue.path.length > 0) {
    const what = issue.code === "invalid_type" ? ` (${article(issue.expected)})` : "";
    return [{ path: where, message: `${where} is required${what}.` }];
  }
  if (issue.code === "invalid_type") {
    return [
      { path: where, message: `${where} must be ${article(issue.expected)}, not ${JSON.stringify(value)}.` },
    ];
  }
  // Messages written as a predicate ("must be ...") read on from the path.
  const joiner = /^(must|is) /.test(issue.message) ? " " : ": ";
  return [{ path: where, message: `${where}${joiner}${issue.message}.`.replace(/\.\.$/, ".") }];
}

function article(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}

export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  raw: unknown,
): SmokeFileIssue[] {
  return issues.flatMap((issue) => describeOne(issue, schema, raw));
}
