// Encodes a build's events as SSE or NDJSON on a streaming Response. The stream ends when
// the producer resolves, and the producer is aborted when the client goes away (the body
// is cancelled or the request signal fires), so no follower outlives its connection.
import type { LogLine } from "../../../common/build-record.js";
import { encodeNdjsonLine, encodeSseFrame } from "../../../common/stream-events.js";
import { resolveStoredJson } from "../store/log-line.js";
import type { BuildEvent } from "./build-events.js";

export type EventFormat = "sse" | "ndjson";

/** A log line as JSON: the text it was stored as when it came from the file (no second serialization). */
function logLineJson(line: LogLine): string {
  return resolveStoredJson(line) ?? JSON.stringify(line);
}

/** The framing of a build's events (common/stream-events.ts), with stored log lines sent as read. */
const BUILD_EVENT_ENCODERS: Record<EventFormat, (event: BuildEvent) => string> = {
  sse: (event) => encodeSseFrame(event, logLineJson),
  ndjson: (event) => encodeNdjsonLine(event, logLineJson),
};

/**
 * How much a client may fall behind (SPEC §4 "Streams"). The producer pauses once
 * `highWaterBytes` wait for the client; a client that has `maxBufferedBytes` waiting (live
 * events keep coming while it does not read), or that takes nothing for `stallMs` while
 * the producer waits on it, is disconnected. Its EventSource reconnects with
 * Last-Event-ID and resumes from the file, so falling behind costs it a reconnect, and
 * the service a bounded buffer per client.
 */
export interface StreamLimits {
  highWaterBytes: number;
  maxBufferedBytes: number;
  stallMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  highWaterBytes: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  stallMs: 60_000,
};

/** What a producer writes to: `emit` queues an event; `ready` is pending while the client is behind. */
export interface EventOutput<E = BuildEvent> {
  emit: (event: E) => void;
  /** Queues `log` events for a page of lines, encoded once per page for every client. */
  emitLogs: (lines: LogLine[]) => void;
  /** undefined when there is room now; otherwise resolves once there is (or the stream is gone). */
  ready: () => Promise<void> | undefined;
}

export interface EventStreamOptions<E = BuildEvent> {
  format: EventFormat;
  /**
   * Frames events other than a build's own (the console adds rendered parts). Log pages
   * are framed as the format's log events whatever this is, so it must frame a build's
   * events as BUILD_EVENT_ENCODERS does.
   */
  encode?: (event: E) => string;
  status?: number;
  headers?: Record<string, string>;
  requestSignal?: AbortSignal;
  limits?: Partial<StreamLimits>;
  produce: (
    emit: EventOutput<E>["emit"],
    signal: AbortSignal,
    ready: EventOutput<E>["ready"],
    emitLogs: EventOutput<E>["emitLogs"],
  ) => Promise<void>;
  onError: (err: unknown) => void;
  /** Called when a client that fell behind is disconnected, with why. */
  onOverflow?: (reason: string) => void;
  /**
   * Closes the client's connection at once (under @hono/node-server: the socket). Needed
   * because a client that reads nothing leaves the server's writer waiting for a drain that
   * never comes; erroring the stream alone would leave the socket open.
   */
  destroyConnection?: () => void;
  onClose?: () => void;
}

/**
 * Encoded pages by format, keyed by the page array: pages are shared by every reader of
 * the same bytes (store/log-file.ts), so a hundred clients replaying a log send the same
 * bytes instead of each building its own copy of every frame.
 */
const encodedPages = {
  sse: new WeakMap<LogLine[], Uint8Array>(),
  ndjson: new WeakMap<LogLine[], Uint8Array>(),
};

function encodeLogPage(format: EventFormat, lines: LogLine[]): Uint8Array {
  const cache = encodedPages[format];
  let bytes = cache.get(lines);
  if (!bytes) {
    const frame = BUILD_EVENT_ENCODERS[format];
    bytes = new TextEncoder().encode(lines.map((line) => frame({ type: "log", line })).join(""));
    cache.set(lines, bytes);
  }
  return bytes;
}

const formatStall = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/** Events are sent in chunks of about this size: one socket write per event cost more than the event. */
const COALESCE_BYTES = 16 * 1024;

/**
 * The buffer between a producer and one client, with the limits above. Events emitted in
 * one go (a replayed page of the log) are joined into one chunk, flushed when it is large
 * or once the event loop turns, so a burst is a few socket writes, not one per line.
 */
function createOutput<E>(
  controller: ReadableStreamDefaultController<Uint8Array>,
  limits: StreamLimits,
  abort: AbortController,
  format: EventFormat,
  encode: (event: E) => string,
  onOverflow: (reason: string) => void,
): EventOutput<E> & { pulled(): void; close(): void } {
  const encoder = new TextEncoder();
  const waiters: (() => void)[] = [];
  let stall: NodeJS.Timeout | undefined;
  let pending = "";
  let flushQueued = false;
  const queued = () => limits.highWaterBytes - (controller.desiredSize ?? 0);
  const wakeUp = () => {
    clearTimeout(stall);
    stall = undefined;
    for (const resolve of waiters.splice(0)) resolve();
  };
  const cutOff = (reason: string) => {
    if (abort.signal.aborted) return;
    abort.abort();
    pending = "";
    // Drops what is queued (it is not coming back) and ends the response; the client reconnects.
    onOverflow(reason);
  };
  const enqueue = (chunk: Uint8Array) => {
    const before = queued();
    controller.enqueue(chunk);
    // Only a client that already had a full high-water mark waiting falls behind: one
    // large event (a 4 MiB log line) for a client that keeps up is not its fault.
    if (before > limits.highWaterBytes && before + chunk.byteLength > limits.maxBufferedBytes)
      cutOff(`the client fell behind: more than ${limits.maxBufferedBytes} bytes waited for it`);
  };
  const flush = () => {
    flushQueued = false;
    if (abort.signal.aborted || pending === "") return;
    const chunk = encoder.encode(pending);
    pending = "";
    enqueue(chunk);
  };
  abort.signal.addEventListener("abort", wakeUp, { once: true });
  return {
    emit(event) {
      if (abort.signal.aborted) return;
      pending += encode(event);
      if (pending.length >= COALESCE_BYTES) flush();
      else if (!flushQueued) {
        // After the I/O phase, not the microtask: a replay yields a microtask per line.
        flushQueued = true;
        setImmediate(flush);
      }
    },
    emitLogs(lines) {
      if (abort.signal.aborted || lines.length === 0) return;
      flush(); // what was emitted before goes first
      if (!abort.signal.aborted) enqueue(encodeLogPage(format, lines));
    },
    ready() {
      if (abort.signal.aborted || (controller.desiredSize ?? 0) - pending.length > 0) return undefined;
      flush();
      if (abort.signal.aborted) return undefined; // cut off by that flush
      stall ??= setTimeout(
        () => cutOff(`the client took nothing for ${formatStall(limits.stallMs)}`),
        limits.stallMs,
      );
      stall.unref();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    pulled() {
      if ((controller.desiredSize ?? 0) > 0) wakeUp();
    },
    /** Ends the stream after what is still pending (the last events, `end` among them). */
    close() {
      if (abort.signal.aborted) return;
      flush();
      if (abort.signal.aborted) return;
      abort.abort();
      controller.close();
    },
  };
}

export function createEventStreamResponse<E = BuildEvent>(opts: EventStreamOptions<E>): Response {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  const onRequestAbort = () => abort.abort();
  opts.requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
  const asked = { ...DEFAULT_STREAM_LIMITS, ...opts.limits };
  // A replayed page (64 KiB of log, ~75 KiB of frames) is emitted at once: the cut-off
  // must leave room for a few of them above the high-water mark.
  const limits = {
    ...asked,
    maxBufferedBytes: Math.max(asked.maxBufferedBytes, asked.highWaterBytes + 320 * 1024),
  };
  const encode = opts.encode ?? (BUILD_EVENT_ENCODERS[opts.format] as (event: E) => string);
  let output: ReturnType<typeof createOutput<E>> | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        output = createOutput(controller, limits, abort, opts.format, encode, (reason) => {
          opts.onOverflow?.(reason);
          // Under node-server the socket goes at once (the server then cancels this
          // stream); elsewhere erroring the stream is all there is.
          if (opts.destroyConnection) opts.destroyConnection();
          else controller.error(new Error(reason));
        });
        // SSE: tell EventSource how long to wait before reconnecting after a dropped connection.
        if (opts.format === "sse") controller.enqueue(encoder.encode("retry: 2000\n\n"));
        const { emit, ready, emitLogs } = output;
        opts
          .produce(emit, abort.signal, ready, emitLogs)
          .catch((err: unknown) => {
            if (!abort.signal.aborted) opts.onError(err);
          })
          .finally(() => {
            opts.requestSignal?.removeEventListener("abort", onRequestAbort);
            opts.onClose?.();
            output?.close();
          });
      },
      // The client's socket took a chunk: a producer waiting for room may go on.
      pull() {
        output?.pulled();
      },
      cancel() {
        abort.abort();
      },
    },
    { highWaterMark: limits.highWaterBytes, size: (chunk) => chunk.byteLength },
  );
  const type =
    opts.format === "sse" ? "text/event-stream; charset=utf-8" : "application/x-ndjson; charset=utf-8";
  return new Response(body, {
    status: opts.status ?? 200,
    headers: {
      "content-type": type,
      "cache-control": "no-cache, no-transform",
      // nginx (the webhook relay, a CPU-instance proxy) must not buffer a live stream.
      "x-accel-buffering": "no",
      ...opts.headers,
    },
  });
}
