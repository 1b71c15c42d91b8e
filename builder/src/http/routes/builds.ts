// POST /v1/builds (JSON or uploaded context, optional wait), GET list/one, cancel, retry.
import type { Context } from "hono";
import type { z } from "zod";
import type { BuildRecord } from "../../../../common/build-record.js";
import { buildRequestSchema, type BuildRequest } from "../../../../common/build-request.js";
import type { AppDeps, SubmitOptions, SubmitResult } from "../deps.js";
import { HttpError, fromZodError, invalidRequest } from "../errors.js";
import { followBuild } from "../build-events.js";
import { buildMatcher } from "../build-filter.js";
import { createEventStreamResponse } from "../event-stream.js";
import { parseJsonBody, readBodyCapped, tooLarge } from "../request-body.js";
import type { listQuerySchema, waitQuerySchema } from "../schemas.js";
import type { IngestedUpload } from "../../source/context-ingester.js";
import { parseUploadQuery } from "../upload-query.js";
import { validInput } from "../validation.js";
import { resolveIncoming, streamConnection } from "../node-connection.js";

const MAX_JSON_BYTES = 256 * 1024;
const UPLOAD_TYPES = ["application/x-tar", "application/gzip", "application/x-gzip", "application/tar"];

export function assertAcceptingBuilds(deps: AppDeps): void {
  if (deps.isShuttingDown()) {
    throw new HttpError(
      503,
      "SHUTTING_DOWN",
      "This builder replica is shutting down and takes no new builds; retry, another replica will take it.",
      undefined,
      deps.settings.shutdownRetryAfterSeconds,
    );
  }
}

/** ?wait and Idempotency-Key, as the route validated them (route-table.ts). */
function submitInputs(c: Context): { wait: boolean; idempotencyKey: string | undefined } {
  const { wait } = validInput<z.output<typeof waitQuerySchema>>(c, "query");
  const headers = validInput<{ "idempotency-key"?: string }>(c, "header");
  return { wait: wait === "true", idempotencyKey: headers["idempotency-key"] };
}

/** The build named by the route's validated `{id}`, or 404. */
function buildOf(c: Context, deps: AppDeps): Promise<BuildRecord> {
  return loadBuild(deps, validInput<{ id: string }>(c, "param").id);
}

function mediaType(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

async function readJsonRequest(c: Context): Promise<BuildRequest> {
  const extra = [...new URL(c.req.url).searchParams.keys()].filter((k) => k !== "wait");
  if (extra.length > 0) {
    throw invalidRequest(
      `Query parameter ${JSON.stringify(extra[0]!.slice(0, 80))} is only for uploaded contexts; with a JSON body put the fields in the body.`,
      [{ path: extra[0]!.slice(0, 80), message: "unexpected query parameter" }],
    );
  }
  const body = parseJsonBody(await readBodyCapped(c.req.raw, MAX_JSON_BYTES, "JSON body"), "JSON body");
  const parsed = buildRequestSchema.safeParse(body ?? {});
  if (!parsed.success) throw fromZodError(parsed.error, "build request");
  return parsed.data;
}

/**
 * Everything that can be refused without the body is refused before it is read (SPEC §4):
 * the query, the declared size, then the service's own checks (target, queue, key).
 */
async function readUploadRequest(
  c: Context,
  deps: AppDeps,
  idempotencyKey: string | undefined,
): Promise<{ req: BuildRequest; opts: Partial<SubmitOptions>; upload: IngestedUpload }> {
  const req = parseUploadQuery(new URL(c.req.url).searchParams);
  const max = deps.settings.maxUploadBytes;
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > max) throw tooLarge("uploaded context", max, declared);
  await deps.service.precheck(req, idempotencyKey ? { idempotencyKey } : {});
  // Under @hono/node-server the Node request is read directly: going through a web
  // ReadableStream costs a promise per chunk, which made a 1 GiB upload ~3x slower than
  // `tar -x`. Elsewhere (tests through app.request) the web body is the only one.
  const incoming = resolveIncoming(c);
  const body = incoming && !incoming.readableEnded ? incoming : c.req.raw.body;
  if (!body) throw invalidRequest("The uploaded context is empty; send a tar or gzipped tar archive.");
  const upload = await deps.ingestUpload(body, { maxBytes: max, signal: c.req.raw.signal });
  deps.logger.info("context uploaded", {
    target: req.target,
    sha256: upload.sha256,
    bytes: upload.bytes,
    files: upload.files,
  });
  const { sha256, bytes, files } = upload;
  return { req, opts: { upload: { sha256, bytes, files } }, upload };
}

function accepted(c: Context, result: SubmitResult): Response {
  const record: BuildRecord = { ...result.record, deduplicated: result.deduplicated };
  c.header("Location", `/v1/builds/${encodeURIComponent(record.id)}`);
  return c.json(record, result.deduplicated ? 200 : 202);
}

function waitResponse(c: Context, deps: AppDeps, result: SubmitResult): Response | Promise<Response> {
  const id = result.record.id;
  const location = `/v1/builds/${encodeURIComponent(id)}`;
  if ((c.req.header("accept") ?? "").includes("application/x-ndjson")) {
    deps.metrics.streamOpened("ndjson");
    return createEventStreamResponse({
      format: "ndjson",
      onClose: () => deps.metrics.streamClosed("ndjson"),
      headers: { location },
      requestSignal: c.req.raw.signal,
      produce: (emit, signal, ready, emitLogs) =>
        followBuild({
          service: deps.service,
          store: deps.store,
          id,
          afterSeq: 0,
          heartbeatMs: deps.settings.heartbeatMs,
          signal,
          emit,
          ready,
          emitLogs,
        }),
      onError: (err) => deps.logger.error("wait stream failed", { buildId: id, err }),
      onOverflow: (reason) => deps.logger.warn("wait stream client disconnected", { buildId: id, reason }),
      ...streamConnection(c, deps.settings),
    });
  }
  return deps.service.waitForEnd(id, c.req.raw.signal).then((record) => {
    c.header("Location", location);
    return c.json({ ...record, deduplicated: result.deduplicated }, 200);
  });
}

export async function createBuild(c: Context, deps: AppDeps): Promise<Response> {
  assertAcceptingBuilds(deps);
  const { wait, idempotencyKey } = submitInputs(c);
  const type = mediaType(c);
  let input: { req: BuildRequest; opts: Partial<SubmitOptions>; upload?: IngestedUpload };
  if (type === "application/json" || type === "") {
    // No Content-Type is read as JSON: a bare `curl -X POST` with a body is the common case.
    input = { req: await readJsonRequest(c), opts: {} };
  } else if (UPLOAD_TYPES.includes(type)) {
    // A refusal leaves the rest of the body unread: @hono/node-server then drains at most
    // 64 MiB or 500 ms of it (so the client sees the answer) and closes the connection.
    input = await readUploadRequest(c, deps, idempotencyKey);
  } else {
    throw new HttpError(
      415,
      "INVALID_REQUEST",
      `Content-Type ${JSON.stringify(type.slice(0, 80))} is not accepted; send application/json, application/x-tar or application/gzip.`,
    );
  }
  const result = await deps.service
    .submit(input.req, {
      ...input.opts,
      trigger: { kind: "api" },
      ...(idempotencyKey ? { idempotencyKey } : {}),
    })
    .catch(async (err: unknown) => {
      // Refused after the body was taken (a race for the queue, a key bound to other bytes):
      // a context this request brought is not kept for a build that does not exist.
      await input.upload?.discard();
      throw err;
    });
  deps.logger.info(result.deduplicated ? "build deduplicated" : "build submitted", {
    buildId: result.record.id,
    target: result.record.target,
  });
  return wait ? waitResponse(c, deps, result) : accepted(c, result);
}

export async function listBuilds(c: Context, deps: AppDeps): Promise<Response> {
  const q = validInput<z.output<typeof listQuerySchema>>(c, "query");
  const match = buildMatcher(q);
  const result = await deps.service.list({
    limit: q.limit ?? 50,
    ...(q.target ? { target: q.target } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.cursor ? { cursor: q.cursor } : {}),
    ...(match ? { match } : {}),
  });
  return c.json({ builds: result.builds, nextCursor: result.nextCursor ?? null });
}

/** A build by an id the route has validated, or 404. */
export async function loadBuild(deps: AppDeps, id: string): Promise<BuildRecord> {
  const record = await deps.service.get(id);
  if (!record) throw new HttpError(404, "NOT_FOUND", `No build with id ${JSON.stringify(id)}.`);
  return record;
}

export async function getBuild(c: Context, deps: AppDeps): Promise<Response> {
  return c.json(await buildOf(c, deps));
}

export async function cancelBuild(c: Context, deps: AppDeps): Promise<Response> {
  const record = await buildOf(c, deps);
  // The service decides what can still be cancelled: queued, running, and interrupted with
  // attempts left (it would be requeued); anything else is a 409 CONFLICT from it.
  const after = await deps.service.cancel(record.id);
  deps.logger.info("build cancel requested", { buildId: record.id });
  return c.json(after, 202);
}

export async function retryBuild(c: Context, deps: AppDeps): Promise<Response> {
  assertAcceptingBuilds(deps);
  const { wait, idempotencyKey } = submitInputs(c);
  const record = await buildOf(c, deps);
  const result = await deps.service.retry(record.id, idempotencyKey ? { idempotencyKey } : {});
  deps.logger.info("build retried", { buildId: result.record.id, of: record.id });
  // Like POST /v1/builds: ?wait=true binds the retried build to this request (serverless mode).
  return wait ? waitResponse(c, deps, result) : accepted(c, result);
}
