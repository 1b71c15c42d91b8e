// The API's routes in one table: method, path, who may call it, and the zod schemas of
// what goes in and out. Each entry is a @hono/zod-openapi route: the app registers it, so
// its query, path and header schemas validate every request before the handler runs, and
// /openapi.json is generated from the same definitions; the document cannot drift from
// the server. Bodies are the exception: they are read under a byte cap (and webhooks only
// after their signature is checked) before any parser may see them, so their schemas are
// documented here and applied by the handler once the bytes are in (builds.ts, hooks.ts).
import type { z } from "zod";
import { buildRequestSchema } from "../../../common/build-request.js";
// The NDJSON lines of ?wait=true: the one event contract builder and trigger share.
import { ndjsonEventSchema } from "../../../common/stream-events.js";
import {
  buildIdParamsSchema,
  buildRecordSchema,
  errorEnvelopeSchema,
  githubFormBodySchema,
  githubPushPayloadSchema,
  healthSchema,
  hookResponseSchema,
  idempotencyHeadersSchema,
  lastEventIdHeadersSchema,
  listQuerySchema,
  listResponseSchema,
  logsQuerySchema,
  readySchema,
  scheduleBodySchema,
  targetsResponseSchema,
  waitQuerySchema,
} from "./schemas.js";
import { defineRoute, type RouteInput, type RouteResponse, type RouteSpec } from "./route-definition.js";

export { buildOpenApiPath, type RouteSpec } from "./route-definition.js";

export type RouteAccess = "open" | "read" | "write" | "webhook";
export type RouteId =
  | "createBuild"
  | "listBuilds"
  | "getBuild"
  | "getBuildLogs"
  | "cancelBuild"
  | "retryBuild"
  | "listTargets"
  | "githubHook"
  | "scheduleHook"
  | "healthz"
  | "readyz"
  | "metrics"
  | "openapi"
  | "consoleHome"
  | "consoleBuild"
  | "consoleEvents"
  | "consoleLog"
  | "consoleCancel"
  | "consoleRetry"
  | "consoleAsset";

const json = (schema: z.ZodType) => ({ "application/json": schema });
const errors = (...codes: number[]): Record<number, RouteResponse> =>
  Object.fromEntries(
    codes.map((c) => [c, { description: "Error envelope", content: json(errorEnvelopeSchema) }]),
  );
const buildIdParam = "/v1/builds/:id";
const params = buildIdParamsSchema;

const INPUTS: readonly RouteInput[] = [
  {
    id: "createBuild",
    method: "post",
    path: "/v1/builds",
    summary:
      "Start a build (JSON body, or an uploaded context as application/x-tar or application/gzip with the fields as query parameters: target, ref, tag, platform, buildArg=K=V, push, smoke, noCache). ?wait=true holds the response until the build ends; with Accept: application/x-ndjson it streams events.",
    access: "write",
    query: waitQuerySchema,
    headers: idempotencyHeadersSchema,
    body: {
      "application/json": buildRequestSchema,
      "application/x-tar": "binary",
      "application/gzip": "binary",
    },
    responses: {
      200: {
        description: "A matching queued or running build (deduplicated), or the ended build with ?wait=true",
        content: json(buildRecordSchema),
      },
      202: {
        description: "The build was queued; Location names it",
        content: { ...json(buildRecordSchema), "application/x-ndjson": ndjsonEventSchema },
      },
      ...errors(400, 401, 403, 409, 413, 429, 503),
    },
  },
  {
    id: "listBuilds",
    method: "get",
    path: "/v1/builds",
    summary:
      "List builds, newest first. Filters: target, status, trigger; q searches ids, tags, refs and digests (substring) and commits (prefix).",
    access: "read",
    queryName: "list query",
    query: listQuerySchema,
    responses: {
      200: { description: "A page of builds", content: json(listResponseSchema) },
      ...errors(400, 401),
    },
  },
  {
    id: "getBuild",
    method: "get",
    path: buildIdParam,
    summary: "One build record.",
    access: "read",
    params,
    responses: {
      200: { description: "The build", content: json(buildRecordSchema) },
      ...errors(400, 401, 404),
    },
  },
  {
    id: "getBuildLogs",
    method: "get",
    path: `${buildIdParam}/logs`,
    summary:
      "The build's log: text/plain, or with Accept: text/event-stream an SSE stream (event: log with id = seq, event: status, event: phase as each phase starts and ends, last event: end) that replays from Last-Event-ID or ?after= and follows a running build live.",
    access: "read",
    params,
    headers: lastEventIdHeadersSchema,
    queryName: "log query",
    query: logsQuerySchema,
    responses: {
      200: { description: "The log", content: { "text/plain": "text", "text/event-stream": "text" } },
      ...errors(400, 401, 404),
    },
  },
  {
    id: "cancelBuild",
    method: "post",
    path: `${buildIdParam}/cancel`,
    summary: "Cancel a queued or running build.",
    access: "write",
    params,
    responses: {
      202: { description: "Cancelling", content: json(buildRecordSchema) },
      ...errors(400, 401, 403, 404, 409),
    },
  },
  {
    id: "retryBuild",
    method: "post",
    path: `${buildIdParam}/retry`,
    summary:
      "Start a new build with the same parameters. Honours Idempotency-Key and ?wait=true (JSON, or NDJSON with Accept: application/x-ndjson) like POST /v1/builds.",
    access: "write",
    params,
    query: waitQuerySchema,
    headers: idempotencyHeadersSchema,
    responses: {
      200: {
        description:
          "A matching build already queued or running; with ?wait=true the ended build, or its events as NDJSON",
        content: { ...json(buildRecordSchema), "application/x-ndjson": ndjsonEventSchema },
      },
      202: { description: "The new build", content: json(buildRecordSchema) },
      ...errors(400, 401, 403, 404, 409, 410, 429, 503),
    },
  },
  {
    id: "listTargets",
    method: "get",
    path: "/v1/targets",
    summary: "The configured targets (env var names at most, never values).",
    access: "read",
    responses: { 200: { description: "Targets", content: json(targetsResponseSchema) }, ...errors(401) },
  },
  {
    id: "githubHook",
    method: "post",
    path: "/v1/hooks/github",
    summary:
      "GitHub push webhook (JSON or form-encoded), verified by X-Hub-Signature-256 before the body is used, capped at 25 MB, deduplicated by X-GitHub-Delivery. Builds every target of the pushed repository whose refs accept the ref and whose watch globs match a changed path (tag pushes and pushes with unknown changes: every accepting target); the reply says why each other target was not built. Deletions and other events are acknowledged and ignored. Too many bodies at once: 429 with Retry-After.",
    access: "webhook",
    body: {
      "application/json": githubPushPayloadSchema,
      "application/x-www-form-urlencoded": githubFormBodySchema,
    },
    responses: {
      202: { description: "Builds started, targets skipped and why", content: json(hookResponseSchema) },
      ...errors(400, 401, 408, 413, 415, 429, 503),
    },
  },
  {
    id: "scheduleHook",
    method: "post",
    path: "/v1/hooks/schedule",
    summary:
      "Scheduled rebuild of the given targets, or of every target with schedule: true. With changedOnly, only those whose ref (git ls-remote) names another commit than their last successful build; the reply says why each other target was skipped.",
    access: "write",
    bodyRequired: false,
    body: { "application/json": scheduleBodySchema },
    responses: {
      202: { description: "Builds started", content: json(hookResponseSchema) },
      ...errors(400, 401, 403, 503),
    },
  },
  {
    id: "healthz",
    method: "get",
    path: "/healthz",
    summary: "Liveness.",
    access: "open",
    responses: { 200: { description: "Up", content: json(healthSchema) } },
  },
  {
    id: "readyz",
    method: "get",
    path: "/readyz",
    summary: "Readiness: buildx answers, data and cache dirs writable with free space, not shutting down.",
    access: "open",
    responses: {
      200: { description: "Ready", content: json(readySchema) },
      503: { description: "Not ready", content: json(readySchema) },
    },
  },
  {
    id: "metrics",
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics.",
    access: "open",
    responses: { 200: { description: "Prometheus text", content: { "text/plain": "text" } } },
  },
  {
    id: "openapi",
    method: "get",
    path: "/openapi.json",
    summary: "This document.",
    access: "read",
    responses: { 200: { description: "OpenAPI 3.1" }, ...errors(401) },
  },
  // The operator console (SPEC §8). A browser sends cached Basic credentials preemptively
  // only below the directory of the page that was authenticated, and EventSource never
  // answers a 401 challenge itself: so everything a build page calls lives under
  // /builds/:id/, and everything the front page calls under /.
  {
    id: "consoleHome",
    method: "get",
    path: "/",
    summary: "Console: targets and builds.",
    access: "read",
    hidden: true,
    responses: { 200: { description: "HTML" } },
  },
  {
    id: "consoleBuild",
    method: "get",
    path: "/builds/:id",
    summary: "Console: a build's page.",
    access: "read",
    params,
    hidden: true,
    responses: { 200: { description: "HTML" } },
  },
  {
    id: "consoleEvents",
    method: "get",
    path: "/builds/:id/events",
    summary: "Console: the build's event stream (SSE, as GET /v1/builds/:id/logs).",
    access: "read",
    params,
    query: logsQuerySchema,
    headers: lastEventIdHeadersSchema,
    queryName: "log query",
    hidden: true,
    responses: { 200: { description: "SSE" } },
  },
  {
    id: "consoleLog",
    method: "get",
    path: "/builds/:id/log",
    summary: "Console: the build's log as a download.",
    access: "read",
    params,
    hidden: true,
    responses: { 200: { description: "text/plain" } },
  },
  {
    id: "consoleCancel",
    method: "post",
    path: "/builds/:id/cancel",
    summary: "Console: cancel (as POST /v1/builds/:id/cancel).",
    access: "write",
    params,
    hidden: true,
    responses: { 202: { description: "Cancelling", content: json(buildRecordSchema) } },
  },
  {
    id: "consoleRetry",
    method: "post",
    path: "/builds/:id/retry",
    summary: "Console: retry (as POST /v1/builds/:id/retry).",
    access: "write",
    params,
    query: waitQuerySchema,
    headers: idempotencyHeadersSchema,
    hidden: true,
    responses: { 202: { description: "The new build", content: json(buildRecordSchema) } },
  },
  {
    // The same for everyone and free of secrets: open, so it loads whatever path the page has.
    id: "consoleAsset",
    method: "get",
    path: "/console/:file",
    summary: "Console: script and stylesheet.",
    access: "open",
    hidden: true,
    responses: { 200: { description: "JS or CSS" } },
  },
];

export const ROUTES: readonly RouteSpec[] = INPUTS.map(defineRoute);
