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

export interface EventStreamOptions {
  format: EventFormat;
  status?: number;
  headers?: Record<string, string>;
  requestSignal?: AbortSignal;
  produce: (emit: (event: BuildEvent) => void, signal: AbortSignal) => Promise<void>;
  onError: (err: unknown) => void;
  onClose?: () => void;
}

export function createEventStreamResponse(opts: EventStreamOptions): Response {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  const onRequestAbort = () => abort.abort();
  opts.requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
  const encode = opts.format === "sse" ? buildSseFrame : buildNdjsonLine;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // SSE: tell EventSource how long to wait before reconnecting after a dropped connection.
      if (opts.format === "sse") controller.enqueue(encoder.encode("retry: 2000\n\n"));
      const emit = (event: BuildEvent) => {
        if (!abort.signal.aborted) controller.enqueue(encoder.encode(encode(event)));
      };
      opts
        .produce(emit, abort.signal)
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
    cancel() {
      abort.abort();
    },
  });
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
