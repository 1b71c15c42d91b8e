// GET /v1/builds/:id/logs — SSE (replay from Last-Event-ID or ?after=, live follow via the
// store so any replica can serve it, heartbeats) or the whole log as text/plain.
import type { Context } from "hono";
import type { AppDeps } from "../deps.js";
import { followBuild } from "../build-events.js";
import { createEventStreamResponse } from "../event-stream.js";
import { fromZodError } from "../errors.js";
import { parseAfterSeq } from "../request-body.js";
import { logsQuerySchema } from "../schemas.js";
import { loadBuild } from "./builds.js";

export async function getBuildLogs(c: Context, deps: AppDeps): Promise<Response> {
  const query = logsQuerySchema.safeParse(Object.fromEntries(new URL(c.req.url).searchParams));
  if (!query.success) throw fromZodError(query.error, "log query");
  const record = await loadBuild(deps, c.req.param("id") ?? "");
  const afterSeq = parseAfterSeq(c.req.header("last-event-id"), query.data.after);
  if ((c.req.header("accept") ?? "").includes("text/event-stream")) {
    deps.metrics.streamOpened("sse");
    return createEventStreamResponse({
      format: "sse",
      onClose: () => deps.metrics.streamClosed("sse"),
      requestSignal: c.req.raw.signal,
      produce: (emit, signal) =>
        followBuild({
          service: deps.service,
          store: deps.store,
          id: record.id,
          afterSeq,
          heartbeatMs: deps.settings.heartbeatMs,
          signal,
          emit,
        }),
      onError: (err) => deps.logger.error("log stream failed", { buildId: record.id, err }),
    });
  }
  const lines = await deps.store.readLog(record.id, afterSeq);
  const text = lines.map((l) => `${l.line}\n`).join("");
  return c.text(text, 200, { "content-type": "text/plain; charset=utf-8" });
}
