// "Did you mean": the nearest of a set of names to a mistyped one, for both CLIs' unknown
// commands and flags. Distance is optimal string alignment (Levenshtein plus adjacent
// transpositions, so `sumbit` is one edit from `submit`), the measure git and cargo use
// for the same hint.

/** Edits (insert, delete, substitute, swap two adjacent characters) from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate nearest to `input`, or undefined when none is near enough to be a typo:
 * the only candidate `input` is a prefix of, else the closest within 1 edit for short
 * names and a third of the length (at least 2) for longer ones. Ties go to the first.
 */
export function suggestNearest(input: string, candidates: readonly string[]): string | undefined {
  if (input === "") return undefined;
  const prefixed = candidates.filter((c) => c.startsWith(input));
  if (prefixed.length === 1) return prefixed[0];
  const limit = input.length <= 3 ? 1 : Math.max(2, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const distance = editDistance(input.toLowerCase(), c.toLowerCase());
    if (distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** `; did you mean "x"?` or nothing, for the end of a message. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const near = suggestNearest(input, candidates);
  return near === undefined ? "" : `; did you mean ${near}?`;
}
