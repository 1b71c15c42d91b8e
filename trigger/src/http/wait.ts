// Serverless binding (SPEC §4 `POST /v1/builds?wait=true`): on Verda a replica with no
// request in flight may be scaled down mid-build, so in serverless mode the CLI keeps the
// POST that started the build open and reads the build's events from its answer
// (`Accept: application/x-ndjson`). When that stream drops before `end` (gateway cut,
// replica change) the build is followed over SSE from the last seq printed; the POST is
// not re-sent (its Idempotency-Key would return the same build, but a re-POST replays the
// whole log and re-uploads a context), so a second build is never started.
import { buildRecordSchema, type BuildRecord } from "../../../common/build-record.js";
import { TriggerError } from "../errors.js";
import { headerValue, type Answer, type BuilderClient, type SendOptions } from "./client.js";
import { errorFromResponse, isRetryableNetworkError } from "./errors.js";
import { parseNdjsonEvent } from "../../../common/stream-events.js";
import {
  STREAM_BODY_TIMEOUT_MS,
  applyEvent,
  decodeEvent,
  followLogs,
  parseWith,
  type FollowHandlers,
  type FollowState,
} from "./follow.js";
import { NdjsonSplitter, parseNdjsonObject } from "./ndjson.js";
import { errorMessage } from "../../../common/errors.js";

export interface WaitHandlers extends FollowHandlers {
  /** The build the POST started (or found again by its key), as soon as it is known. */
  onStarted(record: BuildRecord): void;
}

const OK = [200, 201, 202];

/** `request` (a POST that starts a build) sent with `wait=true` and followed to the build's end. */
export async function waitForBuild(
  client: BuilderClient,
  request: SendOptions,
  handlers: WaitHandlers,
  options: { signal?: AbortSignal } = {},
): Promise<BuildRecord> {
  const res = await client.send(buildWaitRequest(request));
  const what = request.what;
  if (!OK.includes(res.status)) throw errorFromResponse(res.status, await res.body.text(), what);
  const type = headerValue(res.headers["content-type"]) ?? "";
  if (type.startsWith("application/json")) {
    // A route that does not stream (retry on today's builder) answers with the record: follow it over SSE.
    const record = parseWith(
      buildRecordSchema,
      parseJson(await res.body.text(), what),
      `${what}: the answer`,
    );
    handlers.onStarted(record);
    return followLogs(client, record.id, handlers, options);
  }
  if (!type.startsWith("application/x-ndjson")) {
    res.body.destroy();
    throw new TriggerError("PROTOCOL", `${what}: expected application/x-ndjson, got ${JSON.stringify(type)}`);
  }
  const state: WaitState = { lastSeq: 0, end: undefined, id: idFromLocation(res.headers.location) };
  let reason: string;
  try {
    reason = await readWaitStream(res, state, handlers, what);
  } catch (err) {
    if (err instanceof TriggerError || options.signal?.aborted || !isRetryableNetworkError(err)) throw err;
    reason = errorMessage(err);
  }
  if (state.end) return state.end;
  if (state.id === undefined) {
    throw new TriggerError(
      "PROTOCOL",
      `${what}: the build stream dropped (${reason}) before naming the build, and the answer had no Location header`,
    );
  }
  handlers.onReconnect({ afterSeq: state.lastSeq, reason, attempt: 1, fromWait: true });
  return followLogs(client, state.id, handlers, { ...options, afterSeq: state.lastSeq });
}

/** The same request asking to be held open with the build's events as NDJSON. */
export function buildWaitRequest(request: SendOptions): SendOptions {
  const query = new URLSearchParams(request.query);
  query.set("wait", "true");
  return {
    ...request,
    query,
    headers: { ...request.headers, accept: "application/x-ndjson" },
    bodyTimeoutMs: STREAM_BODY_TIMEOUT_MS,
  };
}

/** The build id of a `Location: /v1/builds/<id>` header (relative or absolute), if it is one. */
export function idFromLocation(location: string | string[] | undefined): string | undefined {
  const value = headerValue(location);
  const m = value === undefined ? null : /\/v1\/builds\/([^/?#]+)\/?(?:[?#].*)?$/.exec(value);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

interface WaitState extends FollowState {
  id: string | undefined;
  started?: true;
}

/** Reads the NDJSON answer until `end`; returns why it ended without one. */
async function readWaitStream(res: Answer, state: WaitState, handlers: WaitHandlers, what: string) {
  const splitter = new NdjsonSplitter();
  res.body.setEncoding("utf8");
  for await (const chunk of res.body as AsyncIterable<string>) {
    for (const line of splitter.push(chunk)) {
      handleLine(line, state, handlers, what);
      if (state.end) {
        res.body.destroy();
        return "ended";
      }
    }
  }
  return "the build stream closed before the build ended";
}

function handleLine(line: string, state: WaitState, handlers: WaitHandlers, what: string): void {
  const value = parseNdjsonObject(line);
  if (!value) {
    throw new TriggerError(
      "PROTOCOL",
      `${what}: a build stream line is not a JSON object with a "type": ${JSON.stringify(line.slice(0, 120))}`,
    );
  }
  const ev = decodeEvent(() => parseNdjsonEvent(value), `${what}: ${JSON.stringify(value.type)} line`);
  if (ev?.type === "status" && !state.started) {
    // The first status line carries the record: the build's id and what it was started as.
    if (!ev.build) {
      throw new TriggerError("PROTOCOL", `${what}: the first "status" line has no build record`);
    }
    state.started = true;
    state.id = ev.build.id;
    handlers.onStarted(ev.build);
  }
  applyEvent(ev, state, handlers);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new TriggerError(
      "PROTOCOL",
      `${what}: the answer is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
    );
  }
}
