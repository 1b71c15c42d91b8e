// Encodes a build's events as SSE or NDJSON on a streaming Response. The stream ends when
// the producer resolves, and the producer is aborted when the client goes away (the body
// is cancelled or the request signal fires), so no follower outlives its connection.
import { encodeNdjsonLine, encodeSseFrame } from "../../../common/stream-events.js";
import type { BuildEvent } from "./build-events.js";

export type EventFormat = "sse" | "ndjson";

export interface EventStreamOptions<E = BuildEvent> {
  format: EventFormat;
  /** Frames events other than a build's own (the console adds rendered parts). */
  encode?: (event: E) => string;
  status?: number;
  headers?: Record<string, string>;
  requestSignal?: AbortSignal;
  produce: (emit: (event: E) => void, signal: AbortSignal) => Promise<void>;
  onError: (err: unknown) => void;
  onClose?: () => void;
}

export function createEventStreamResponse<E = BuildEvent>(opts: EventStreamOptions<E>): Response {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  const onRequestAbort = () => abort.abort();
  opts.requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
  // The framings are defined with the events themselves, in common/stream-events.ts.
  const encode =
    opts.encode ?? ((opts.format === "sse" ? encodeSseFrame : encodeNdjsonLine) as (event: E) => string);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // SSE: tell EventSource how long to wait before reconnecting after a dropped connection.
      if (opts.format === "sse") controller.enqueue(encoder.encode("retry: 2000\n\n"));
      const emit = (event: E) => {
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
