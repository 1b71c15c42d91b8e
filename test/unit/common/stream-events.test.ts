// The stream events' two framings, decoded by the same module that encodes them.
import { describe, expect, it } from "vitest";
import {
  StreamEventError,
  encodeNdjsonLine,
  encodeSseFrame,
  parseNdjsonEvent,
  parseSseEvent,
  type StreamEvent,
} from "../../../common/stream-events.js";
import { makeBuildRecord } from "../../helpers/build-record.js";

const build = makeBuildRecord({ id: "b_1", status: "running" });
const events: StreamEvent[] = [
  { type: "log", line: { seq: 7, ts: "t", stream: "stdout", line: "#5 RUN make" } },
  { type: "status", status: "running", build },
  {
    type: "phase",
    phase: { name: "tag", status: "failed", startedAt: "a", finishedAt: "b", durationMs: 12, message: "no" },
  },
  { type: "end", build: { ...build, status: "succeeded" } },
];

/** An SSE frame's event name and parsed data, as an EventSource or the trigger's parser sees them. */
function readFrame(frame: string): { event: string; id?: string; data: unknown } {
  const fields: Record<string, string> = Object.fromEntries(
    frame
      .trimEnd()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
  );
  return {
    event: fields.event ?? "",
    ...(fields.id ? { id: fields.id } : {}),
    data: JSON.parse(fields.data ?? ""),
  };
}

describe("stream events", () => {
  it.each(events.map((e) => [e.type, e] as const))(
    "%s: SSE and NDJSON decode to the event sent",
    (_t, ev) => {
      const frame = readFrame(encodeSseFrame(ev));
      expect(frame.event).toBe(ev.type);
      expect(parseSseEvent(frame.event, frame.data)).toEqual(ev);
      const line = encodeNdjsonLine(ev);
      expect(line.endsWith("\n") && !line.slice(0, -1).includes("\n")).toBe(true);
      expect(parseNdjsonEvent(JSON.parse(line) as Record<string, unknown>)).toEqual(ev);
    },
  );

  it("a log frame carries its seq as the SSE id (Last-Event-ID resumes from it); a heartbeat is a comment", () => {
    expect(readFrame(encodeSseFrame(events[0]!)).id).toBe("7");
    expect(encodeSseFrame({ type: "heartbeat", ts: "x" })).toBe(": hb\n\n");
    expect(parseNdjsonEvent({ type: "heartbeat", ts: "x" })).toEqual({ type: "heartbeat", ts: "x" });
  });

  it("unknown event types are skipped; a known one with the wrong shape is an error naming it", () => {
    expect(parseSseEvent("progress", { pct: 3 })).toBeUndefined();
    expect(parseNdjsonEvent({ type: "progress" })).toBeUndefined();
    expect(() => parseSseEvent("phase", { name: "build" })).toThrow(StreamEventError);
    expect(() => parseSseEvent("phase", { name: "build" })).toThrow(/a phase event does not match/);
    expect(() => parseNdjsonEvent({ type: "end", build: { id: 1 } })).toThrow(/an end line/);
  });
});
