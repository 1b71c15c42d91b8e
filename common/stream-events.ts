// The events of a build's live stream (SPEC §4): the SSE log route and the NDJSON wait
// mode carry the same events in two framings. Their shapes are defined here once; the
// builder encodes with encodeSseFrame / encodeNdjsonLine and the trigger decodes with
// parseSseEvent / parseNdjsonEvent, so neither side has its own copy of the contract.
import { z } from "zod";
import {
  buildRecordSchema,
  buildStatusSchema,
  logLineSchema,
  phaseStatusSchema,
  type BuildRecord,
  type BuildStatus,
  type LogLine,
  type Phase,
} from "./build-record.js";

/**
 * A phase started or ended. `name` is any string, not the enum of phase names: a builder
 * that gains a phase (e.g. `tag`) must not break a trigger that does not know it yet.
 */
export const phaseEventSchema = z.object({
  name: z.string().min(1),
  status: phaseStatusSchema,
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable().optional(),
  durationMs: z.number().int().nonnegative().nullable(),
  message: z.string().optional(),
});
export type PhaseEvent = z.infer<typeof phaseEventSchema>;

/** The build's status changed; `build` is the whole record at that moment. */
export const statusEventSchema = z.object({
  status: buildStatusSchema,
  build: buildRecordSchema.optional(),
});

export const heartbeatEventSchema = z.object({ ts: z.string() });

/** One event as the builder produces it, before framing. */
export type StreamEvent =
  | { type: "log"; line: LogLine }
  | { type: "status"; status: BuildStatus; build: BuildRecord }
  | { type: "phase"; phase: PhaseEvent }
  | { type: "heartbeat"; ts: string }
  | { type: "end"; build: BuildRecord };

/** A decoded event as a client sees it (a status may come without its record). */
export type ReceivedEvent =
  | { type: "log"; line: LogLine }
  | { type: "status"; status: BuildStatus; build?: BuildRecord }
  | { type: "phase"; phase: PhaseEvent }
  | { type: "heartbeat"; ts: string }
  | { type: "end"; build: BuildRecord };

/** NDJSON lines of `POST /v1/builds?wait=true` with `Accept: application/x-ndjson`. */
export const ndjsonEventSchema = z.discriminatedUnion("type", [
  logLineSchema.extend({ type: z.literal("log") }),
  statusEventSchema.extend({ type: z.literal("status") }),
  phaseEventSchema.extend({ type: z.literal("phase") }),
  heartbeatEventSchema.extend({ type: z.literal("heartbeat") }),
  z.object({ type: z.literal("end"), build: buildRecordSchema }),
]);

/** The `data:` of each SSE event type (a heartbeat is a `: hb` comment, without data). */
export const sseEventDataSchemas = {
  log: logLineSchema,
  status: statusEventSchema,
  phase: phaseEventSchema,
  end: buildRecordSchema,
} as const;

/** The phase event for a phase's state in a record. */
export function phaseEventOf(phase: Phase): PhaseEvent {
  return {
    name: phase.name,
    status: phase.status,
    startedAt: phase.startedAt,
    finishedAt: phase.finishedAt,
    durationMs: phase.durationMs,
    ...(phase.message !== undefined ? { message: phase.message } : {}),
  };
}

/** A log line's JSON text; a store may pass the text it read instead of serializing again. */
export type LineJson = (line: LogLine) => string;

/** One event in SSE framing: `event:`, `id:` (log seq, for Last-Event-ID), one `data:` line. */
export function encodeSseFrame(event: StreamEvent, lineJson: LineJson = JSON.stringify): string {
  switch (event.type) {
    case "log":
      return `event: log\nid: ${event.line.seq}\ndata: ${lineJson(event.line)}\n\n`;
    case "status":
      return `event: status\ndata: ${JSON.stringify({ status: event.status, build: event.build })}\n\n`;
    case "phase":
      return `event: phase\ndata: ${JSON.stringify(event.phase)}\n\n`;
    case "heartbeat":
      return ": hb\n\n";
    case "end":
      return `event: end\ndata: ${JSON.stringify(event.build)}\n\n`;
  }
}

/** One event as an NDJSON line (SPEC §4 wait mode): a log line's fields after `"type":"log"`. */
export function encodeNdjsonLine(event: StreamEvent, lineJson: LineJson = JSON.stringify): string {
  switch (event.type) {
    case "log":
      return `{"type":"log",${lineJson(event.line).slice(1)}\n`;
    case "status":
      return `${JSON.stringify({ type: "status", status: event.status, build: event.build })}\n`;
    case "phase":
      return `${JSON.stringify({ type: "phase", ...event.phase })}\n`;
    case "heartbeat":
      return `${JSON.stringify({ type: "heartbeat", ts: event.ts })}\n`;
    case "end":
      return `${JSON.stringify({ type: "end", build: event.build })}\n`;
  }
}

/** Why an event did not decode: its data does not match the contract. */
export class StreamEventError extends Error {
  override readonly name = "StreamEventError";
}

function parseWith<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const r = schema.safeParse(data);
  if (!r.success) throw new StreamEventError(`${what} does not match the contract: ${r.error.message}`);
  return r.data;
}

/**
 * Decodes one SSE event (its `event:` name and parsed `data:`). Unknown event names are
 * `undefined`: they are for newer clients, and ignoring them keeps this one working.
 */
export function parseSseEvent(type: string, data: unknown): ReceivedEvent | undefined {
  switch (type) {
    case "log":
      return { type, line: parseWith(logLineSchema, data, "a log event") };
    case "status": {
      const s = parseWith(statusEventSchema, data, "a status event");
      return { type, status: s.status, ...(s.build ? { build: s.build } : {}) };
    }
    case "phase":
      return { type, phase: parseWith(phaseEventSchema, data, "a phase event") };
    case "end":
      return { type, build: parseWith(buildRecordSchema, data, "an end event") };
    default:
      return undefined;
  }
}

/** Decodes one NDJSON line's object; unknown `type`s are `undefined`, as for SSE. */
export function parseNdjsonEvent(value: Record<string, unknown>): ReceivedEvent | undefined {
  const { type, ...rest } = value;
  switch (type) {
    case "log":
    case "status":
    case "phase":
      return parseSseEvent(type, rest);
    case "heartbeat":
      return { type, ts: parseWith(heartbeatEventSchema, rest, "a heartbeat line").ts };
    case "end":
      return { type, build: parseWith(buildRecordSchema, rest.build, "an end line") };
    default:
      return undefined;
  }
}
