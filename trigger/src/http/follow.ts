// Follows a build's log over SSE to its `end` event (SPEC §4 GET /v1/builds/:id/logs).
// A stream that drops (gateway cutting long responses, replica change, network) is
// reopened with `Last-Event-ID` = the last seq seen; lines at or below it are skipped,
// so nothing is printed twice even if a replica replays more than asked.
import type { BuildRecord, BuildStatus, LogLine } from "../../../common/build-record.js";
import {
  StreamEventError,
  parseSseEvent,
  type PhaseEvent,
  type ReceivedEvent,
} from "../../../common/stream-events.js";
import { TriggerError } from "../errors.js";
import { backoffDelay, delay } from "./backoff.js";
import { headerValue, type BuilderClient } from "./client.js";
import { errorFromResponse, isRetryableNetworkError } from "./errors.js";
import { SseParser, type SseEvent } from "./sse.js";
import { errorMessage } from "../../../common/errors.js";

export interface FollowHandlers {
  onLog(line: LogLine): void;
  /** The build's status changed (`build`: the record at that moment, when sent). */
  onStatus(status: BuildStatus, build: BuildRecord | undefined): void;
  /** A phase started or ended. */
  onPhase(phase: PhaseEvent): void;
  /**
   * The stream dropped; about to reconnect after `afterSeq`. `fromWait` is set when the
   * dropped stream was the bound `POST ?wait=true` one and following goes on over SSE.
   */
  onReconnect(info: { afterSeq: number; reason: string; attempt: number; fromWait?: boolean }): void;
}

/** What a follower has seen: the last log seq printed, and the final record once it came. */
export interface FollowState {
  lastSeq: number;
  end: BuildRecord | undefined;
}

export interface FollowOptions {
  /** Skip lines up to and including this seq (e.g. lines already printed). */
  afterSeq?: number;
  signal?: AbortSignal;
}

// Heartbeats come every 15 s; two minutes of silence means the connection is dead,
// not that the build is quiet, so reconnect rather than wait on a dead socket.
export const STREAM_BODY_TIMEOUT_MS = 120_000;

export async function followLogs(
  client: BuilderClient,
  id: string,
  handlers: FollowHandlers,
  options: FollowOptions = {},
): Promise<BuildRecord> {
  const state: FollowState = { lastSeq: options.afterSeq ?? 0, end: undefined };
  let failures = 0;
  let quietSince = Date.now();
  for (;;) {
    const before = state.lastSeq;
    const stream = { opened: false };
    let reason: string;
    try {
      reason = await readStream(client, id, state, handlers, stream);
    } catch (err) {
      if (err instanceof TriggerError || options.signal?.aborted || !isRetryableNetworkError(err)) throw err;
      reason = errorMessage(err);
    }
    if (state.end) return state.end;
    // New lines, or a stream the builder answered (a gateway cut it, the build is just quiet
    // through a long step): both show the builder is there. Only a builder that cannot be
    // reached at all for --wait-ready seconds is given up on.
    if (state.lastSeq > before || stream.opened) {
      failures = 0;
      quietSince = Date.now();
    }
    failures++;
    if (Date.now() - quietSince > client.settings.waitReadyMs) {
      throw new TriggerError(
        "UNREACHABLE",
        `following build ${id}: the log stream kept dropping for ${Math.round(client.settings.waitReadyMs / 1000)} s without progress (last: ${reason})`,
      );
    }
    handlers.onReconnect({ afterSeq: state.lastSeq, reason, attempt: failures });
    // The first reconnect is immediate (a gateway cut is routine); repeated ones back off.
    if (failures > 1) await delay(backoffDelay(failures - 1), options.signal);
  }
}

/** Reads one SSE response until it ends; returns why it ended without an `end` event. */
async function readStream(
  client: BuilderClient,
  id: string,
  state: FollowState,
  handlers: FollowHandlers,
  stream: { opened: boolean },
): Promise<string> {
  const res = await client.send({
    method: "GET",
    path: `/v1/builds/${encodeURIComponent(id)}/logs`,
    headers: {
      accept: "text/event-stream",
      ...(state.lastSeq > 0 ? { "last-event-id": String(state.lastSeq) } : {}),
    },
    bodyTimeoutMs: STREAM_BODY_TIMEOUT_MS,
    what: `following build ${id}`,
  });
  if (res.status !== 200) throw errorFromResponse(res.status, await res.body.text(), `following build ${id}`);
  const type = headerValue(res.headers["content-type"]) ?? "";
  if (!type.startsWith("text/event-stream")) {
    res.body.destroy();
    throw new TriggerError(
      "PROTOCOL",
      `following build ${id}: expected text/event-stream, got ${JSON.stringify(type)}`,
    );
  }
  stream.opened = true;
  const parser = new SseParser();
  res.body.setEncoding("utf8");
  for await (const chunk of res.body as AsyncIterable<string>) {
    for (const ev of parser.push(chunk)) {
      handleEvent(ev, id, state, handlers);
      if (state.end) {
        res.body.destroy();
        return "ended";
      }
    }
  }
  return "the stream closed before the build ended";
}

function handleEvent(ev: SseEvent, id: string, state: FollowState, handlers: FollowHandlers): void {
  const where = `following build ${id}: event ${JSON.stringify(ev.event)}`;
  const data = parseData(ev, id);
  applyEvent(
    decodeEvent(() => parseSseEvent(ev.event, data), where),
    state,
    handlers,
  );
}

/** Runs a decoder of common/stream-events.ts; a mismatch is a protocol error naming the event. */
export function decodeEvent(
  decode: () => ReceivedEvent | undefined,
  where: string,
): ReceivedEvent | undefined {
  try {
    return decode();
  } catch (err) {
    if (!(err instanceof StreamEventError)) throw err;
    throw new TriggerError("PROTOCOL", `${where}: ${err.message.slice(0, 300)}`);
  }
}

/**
 * One event of a build's stream, whatever its framing (SSE here, NDJSON in wait.ts): log
 * lines at or below `state.lastSeq` are skipped, so a replay never prints a line twice.
 * Unknown events (`undefined`) are for newer clients; ignoring them keeps this one working.
 */
export function applyEvent(
  ev: ReceivedEvent | undefined,
  state: FollowState,
  handlers: FollowHandlers,
): void {
  switch (ev?.type) {
    case "log":
      if (ev.line.seq <= state.lastSeq) return;
      state.lastSeq = ev.line.seq;
      handlers.onLog(ev.line);
      return;
    case "status":
      handlers.onStatus(ev.status, ev.build);
      return;
    case "phase":
      handlers.onPhase(ev.phase);
      return;
    case "end":
      state.end = ev.build;
      return;
  }
}

function parseData(ev: SseEvent, id: string): unknown {
  try {
    return JSON.parse(ev.data);
  } catch {
    throw new TriggerError(
      "PROTOCOL",
      `following build ${id}: event ${JSON.stringify(ev.event)} has data that is not JSON: ${JSON.stringify(ev.data.slice(0, 120))}`,
    );
  }
}

export function parseWith<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } };
  },
  data: unknown,
  where: string,
): T {
  const r = schema.safeParse(data);
  if (!r.success) {
    throw new TriggerError(
      "PROTOCOL",
      `${where} does not match the contract: ${r.error.message.slice(0, 300)}`,
    );
  }
  return r.data;
}
