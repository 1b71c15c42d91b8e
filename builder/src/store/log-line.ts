// One stored log line: parsed by hand (not with logLineSchema) because a replay parses
// every line of a log, and remembered as the exact JSON it was stored as, so a stream can
// send that text instead of serializing the line again for every client.
import type { LogLine } from "../../../common/build-record.js";

const STREAMS: ReadonlySet<unknown> = new Set(["stdout", "stderr", "system"]);

/** The stored JSON of lines parsed here: exactly JSON.stringify(line), since appendLog wrote that. */
const storedJson = new WeakMap<LogLine, string>();

/**
 * The JSON text a line was read from, when it was read from the log file: a stream sends
 * it as it is instead of serializing each line again for every client.
 */
export function resolveStoredJson(line: LogLine): string | undefined {
  return storedJson.get(line);
}

/**
 * Parses one stored line; undefined for a line a crash left torn (it is skipped, never
 * fatal). The shape is checked by hand, not with logLineSchema: a replay parses every
 * line of a log for every client, and the schema cost 8 µs a line where this costs 1.
 */
export function parseLogLine(text: string): LogLine | undefined {
  if (text.length === 0) return undefined;
  let v: Partial<Record<keyof LogLine, unknown>>;
  try {
    v = JSON.parse(text) as typeof v;
  } catch {
    // Not JSON: the tail of a write interrupted by a crash. Readers skip it.
    return undefined;
  }
  if (
    v === null ||
    typeof v !== "object" ||
    !Number.isSafeInteger(v.seq) ||
    (v.seq as number) < 1 ||
    typeof v.ts !== "string" ||
    !STREAMS.has(v.stream) ||
    typeof v.line !== "string"
  ) {
    return undefined;
  }
  const line: LogLine = {
    seq: v.seq as number,
    ts: v.ts,
    stream: v.stream as LogLine["stream"],
    line: v.line,
  };
  // Only when nothing was dropped: then the text is what serializing `line` would give.
  if (Object.keys(v).length === 4 && text.startsWith('{"seq":')) storedJson.set(line, text);
  return line;
}
