// The build page's one connection (`/builds/:id/events`): the build's events as on
// GET /v1/builds/:id/logs, plus a `parts` event whenever the record changed, carrying the
// page's live parts rendered by the same components as the page itself. Everything the
// page needs arrives on that single request: on Verda a replica takes one request at a
// time (deploy/verda), so a page that fetched beside its stream would wait for the
// stream to end or wake a second replica.
import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { BuildRecord } from "../../../../common/build-record.js";
import { encodeSseFrame } from "../../../../common/stream-events.js";
import { followBuild, type BuildEvent } from "../build-events.js";
import type { AppDeps } from "../deps.js";
import { createEventStreamResponse } from "../event-stream.js";
import { streamConnection } from "../node-connection.js";
import { loadBuild } from "../routes/builds.js";
import { afterSeqOf } from "../routes/logs.js";
import { validInput } from "../validation.js";
import { BuildHead, FactsCard, ImageCard, PhasesCard, SmokeCard } from "./build-panel.js";
import type { PageContext } from "./layout.js";

export type ConsoleEvent = BuildEvent | { type: "parts"; parts: Record<string, string> };

/** Components here are synchronous, so rendering one gives a string (never a Promise). */
function renderSync(node: JSX.Element): string {
  const out = (node as unknown as { toString(): string | Promise<string> }).toString();
  if (typeof out !== "string") throw new Error("a console part rendered asynchronously");
  return out;
}

/** The build page's live parts by element id, as build-page.tsx lays them out. */
export function renderBuildParts(b: BuildRecord, ctx: PageContext): Record<string, string> {
  return {
    "build-head": renderSync(<BuildHead b={b} ctx={ctx} />),
    phases: renderSync(<PhasesCard b={b} ctx={ctx} />),
    image: renderSync(<ImageCard b={b} ctx={ctx} />),
    smoke: renderSync(<SmokeCard b={b} ctx={ctx} />),
    facts: renderSync(<FactsCard b={b} ctx={ctx} />),
  };
}

export function encodeConsoleFrame(event: ConsoleEvent): string {
  return event.type === "parts"
    ? `event: parts\ndata: ${JSON.stringify(event.parts)}\n\n`
    : encodeSseFrame(event);
}

export async function consoleEvents(
  c: Context,
  deps: AppDeps,
  ctx: Omit<PageContext, "now">,
): Promise<Response> {
  const record = await loadBuild(deps, validInput<{ id: string }>(c, "param").id);
  const afterSeq = afterSeqOf(c);
  const clock = deps.clock ?? (() => new Date());
  deps.metrics.streamOpened("sse");
  return createEventStreamResponse<ConsoleEvent>({
    format: "sse",
    encode: encodeConsoleFrame,
    requestSignal: c.req.raw.signal,
    onClose: () => deps.metrics.streamClosed("sse"),
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
        onRecord: (rec) => emit({ type: "parts", parts: renderBuildParts(rec, { ...ctx, now: clock() }) }),
      }),
    onError: (err) => deps.logger.error("console stream failed", { buildId: record.id, err }),
    onOverflow: (reason) =>
      deps.logger.warn("console stream client disconnected", { buildId: record.id, reason }),
    ...streamConnection(c, deps.settings),
  });
}
