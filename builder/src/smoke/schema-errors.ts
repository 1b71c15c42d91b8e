// Turns what Go's decoders would refuse into sentences that name the field by its path
// and line, and say what would be valid ("line 7: commandTests[1].expectedOuput: field
// expectedOuput not found in type v2.CommandTest; did you mean expectedOutput?").
import type { DecodeIssue } from "./go-types.js";

export interface SmokeFileIssue {
  path: string;
  message: string;
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

export function describeDecodeIssue(issue: DecodeIssue): SmokeFileIssue {
  const where = issue.line ? `line ${issue.line}: ` : "";
  const path = issue.path || "the file";
  let hint = "";
  if (issue.allowed) {
    const key = issue.path.split(/[.[]/).at(-1) ?? "";
    const guess = suggestField(key, issue.allowed);
    hint = guess ? `; did you mean ${guess}?` : `; the fields here are ${issue.allowed.join(", ")}`;
  }
  return { path: issue.path, message: `${where}${path}: ${issue.message}${hint}` };
}
