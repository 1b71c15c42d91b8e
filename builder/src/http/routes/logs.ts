// GET /v1/builds/:id/logs — SSE (replay from Last-Event-ID or ?after=, live follow via the
// store so any replica can serve it, heartbeats, a bounded buffer per client) or the whole
// log as text/plain, streamed from the file a page at a time with control characters
// escaped, so one stored line is one line of text whatever a build printed.
import type { Context } from "hono";
import { escapeControlCharacters } from "../../../../common/values.js";
import type { AppDeps } from "../deps.js";
import { followBuild } from "../build-events.js";
import { createEventStreamResponse } from "../event-stream.js";
import { streamConnection } from "../node-connection.js";
import { resolveAfterSeq } from "../request-body.js";
import { validInput } from "../validation.js";
import { loadBuild } from "./builds.js";

/** Where a log read starts, from the route's validated Last-Event-ID header or ?after=. */
export function afterSeqOf(c: Context): number {
  const { after } = validInput<{ after?: string }>(c, "query");
  return resolveAfterSeq(validInput<{ "last-event-id"?: string }>(c, "header")["last-event-id"], after);
}

/** A text/plain body pulled from the store's page-wise iterator: memory stays at one page. */
function plainTextLog(deps: AppDeps, id: string, afterSeq: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const lines = deps.store.iterateLog(id, afterSeq)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let text = "";
        // About 64 KiB per chunk: few enough chunks, small enough to stay bounded.
        while (text.length < 64 * 1024) {
          const next = await lines.next();
          if (next.done) break;
          text += `${escapeControlCharacters(next.value.line)}\n`;
        }
        if (text.length > 0) controller.enqueue(encoder.encode(text));
        else controller.close();
      },
      async cancel() {
        await lines.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

export async function getBuildLogs(c: Context, deps: AppDeps): Promise<Response> {
  const record = await loadBuild(deps, validInput<{ id: string }>(c, "param").id);
  const afterSeq = afterSeqOf(c);
  if ((c.req.header("accept") ?? "").includes("text/event-stream")) {
    deps.metrics.streamOpened("sse");
    return createEventStreamResponse({
      format: "sse",
      onClose: () => deps.metrics.streamClosed("sse"),
      requestSignal: c.req.raw.signal,
      produce: (emit, signal, ready, emitLogs) =>
        followBuild({
          service: deps.service,
          store: deps.store,
          id: record.id,
          afterSeq,
          heartbeatMs: deps.settings.heartbeatMs,
          signal,
          emit,
          ready,
          emitLogs,
        }),
      onError: (err) => deps.logger.error("log stream failed", { buildId: record.id, err }),
      onOverflow: (reason) =>
        deps.logger.warn("log stream client disconnected", { buildId: record.id, reason }),
      ...streamConnection(c, deps.settings),
    });
  }
  return new Response(plainTextLog(deps, record.id, afterSeq), {
    status: 200,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}
