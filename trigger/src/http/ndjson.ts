// An incremental splitter for application/x-ndjson (one JSON value per LF-terminated line,
// CRLF tolerated): chunks may split lines anywhere; blank lines are skipped. A line still
// unterminated when the stream ends is incomplete (a cut connection), not a value.

export class NdjsonSplitter {
  private buffer = "";

  /** Feeds a decoded chunk; returns the complete, non-blank lines it finished. */
  push(chunk: string): string[] {
    this.buffer += chunk;
    const last = this.buffer.lastIndexOf("\n");
    if (last < 0) return [];
    const complete = this.buffer.slice(0, last);
    this.buffer = this.buffer.slice(last + 1);
    return complete
      .split("\n")
      .map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l))
      .filter((l) => l.trim() !== "");
  }

  /** The bytes of a line that never got its newline. */
  get pending(): string {
    return this.buffer;
  }
}

/** One NDJSON line as an object with a string `type`, or `undefined` when it is not one. */
export function parseNdjsonObject(line: string): { type: string; [key: string]: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === "string" ? (value as { type: string }) : undefined;
}
