// Encodes a build's events as SSE or NDJSON on a streaming Response. The stream ends when
// the producer resolves, and the producer is aborted when the client goes away (the body
// is cancelled or the request signal fires), so no follower outlives its connection.
import type { BuildEvent } from "./build-events.js";

export type EventFormat = "sse" | "ndjson";

/** One event in SSE framing: `event:`, `id:` (log seq, for Last-Event-ID), one `data:` line. */
export function buildSseFrame(event: BuildEvent): string {
  switch (event.type) {
    case "log":
      return `event: log\nid: ${event.line.seq}\ndata: ${JSON.stringify(event.line)}\n\n`;
    case "status":
      return `event: status\ndata: ${JSON.stringify({ status: event.status, build: event.build })}\n\n`;
    case "heartbeat":
      return ": hb\n\n";
    case "end":
      return `event: end\ndata: ${JSON.stringify(event.build)}\n\n`;
  }
}

/** One event as an NDJSON line (SPEC §4 wait mode). */
export function buildNdjsonLine(event: BuildEvent): string {
  switch (event.type) {
    case "log":
      return `${JSON.stringify({ type: "log", ...event.line })}\n`;
    case "status":
      return `${JSON.stringify({ type: "status", status: event.status, build: event.build })}\n`;
    case "heartbeat":
      return `${JSON.stringify({ type: "heartbeat", ts: event.ts })}\n`;
    case "end":
      return `${JSON.stringify({ type: "end", build: event.build })}\n`;
  }
}

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
export interface EventOutput {
  emit: (event: BuildEvent) => void;
  /** undefined when there is room now; otherwise resolves once there is (or the stream is gone). */
  ready: () => Promise<void> | undefined;
}

export interface EventStreamOptions {
  format: EventFormat;
  status?: number;
  headers?: Record<string, string>;
  requestSignal?: AbortSignal;
  limits?: Partial<StreamLimits>;
  produce: (emit: EventOutput["emit"], signal: AbortSignal, ready: EventOutput["ready"]) => Promise<void>;
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

/** The buffer between a producer and one client, with the limits above. */
function createOutput(
  controller: ReadableStreamDefaultController<Uint8Array>,
  limits: StreamLimits,
  abort: AbortController,
  encode: (event: BuildEvent) => Uint8Array,
  onOverflow: (reason: string) => void,
): EventOutput & { pulled(): void } {
  const waiters: (() => void)[] = [];
  let stall: NodeJS.Timeout | undefined;
  const buffered = () => limits.highWaterBytes - (controller.desiredSize ?? 0);
  const wakeUp = () => {
    clearTimeout(stall);
    stall = undefined;
    for (const resolve of waiters.splice(0)) resolve();
  };
  const cutOff = (reason: string) => {
    if (abort.signal.aborted) return;
    abort.abort();
    onOverflow(reason);
    // Drops what is queued (it is not coming back) and ends the response; the client reconnects.
    controller.error(new Error(reason));
  };
  abort.signal.addEventListener("abort", wakeUp, { once: true });
  return {
    emit(event) {
      if (abort.signal.aborted) return;
      controller.enqueue(encode(event));
      if (buffered() > limits.maxBufferedBytes)
        cutOff(`the client fell behind: more than ${limits.maxBufferedBytes} bytes waited for it`);
    },
    ready() {
      if (abort.signal.aborted || (controller.desiredSize ?? 0) > 0) return undefined;
      stall ??= setTimeout(
        () => cutOff(`the client took nothing for ${Math.round(limits.stallMs / 1000)} s`),
        limits.stallMs,
      );
      stall.unref();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    pulled() {
      if ((controller.desiredSize ?? 0) > 0) wakeUp();
    },
  };
}

export function createEventStreamResponse(opts: EventStreamOptions): Response {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  const onRequestAbort = () => abort.abort();
  opts.requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
  const encode = opts.format === "sse" ? buildSseFrame : buildNdjsonLine;
  const limits = { ...DEFAULT_STREAM_LIMITS, ...opts.limits };
  let output: ReturnType<typeof createOutput> | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        output = createOutput(
          controller,
          limits,
          abort,
          (event) => encoder.encode(encode(event)),
          (reason) => {
            opts.onOverflow?.(reason);
            opts.destroyConnection?.();
          },
        );
        // SSE: tell EventSource how long to wait before reconnecting after a dropped connection.
        if (opts.format === "sse") controller.enqueue(encoder.encode("retry: 2000\n\n"));
        const { emit, ready } = output;
        opts
          .produce(emit, abort.signal, ready)
          .catch((err: unknown) => {
            if (!abort.signal.aborted) opts.onError(err);
          })
          .finally(() => {
            opts.requestSignal?.removeEventListener("abort", onRequestAbort);
            opts.onClose?.();
            if (!abort.signal.aborted) {
              abort.abort();
              controller.close();
            }
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
