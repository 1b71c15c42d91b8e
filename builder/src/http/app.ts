// createApp(deps): the Hono app of SPEC §4. It never listens (server.ts does). Every route
// comes from the route table, which says who may call it and validates its inputs (auth
// first, then the route's schemas, then the handler); one onError turns every failure into
// the error envelope; every request is logged as one JSON line and counted.
import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Context, Env, MiddlewareHandler } from "hono";
import type { AppDeps } from "./deps.js";
import { assertAccess, isAuthEnabled, parsePresentedToken, resolveAccess, type Access } from "./auth.js";
import { createCachedProbe } from "./cached-probe.js";
import {
  consoleAsset,
  consoleBuild,
  consoleBuildEvents,
  consoleHome,
  consoleLog,
} from "./console/console-routes.js";
import { HttpError, toErrorResponse } from "./errors.js";
import { renderOpenApiDocument } from "./openapi.js";
import { ROUTES, type RouteId, type RouteSpec } from "./route-table.js";
import { cancelBuild, createBuild, getBuild, listBuilds, retryBuild } from "./routes/builds.js";
import { githubHook, scheduleHook } from "./routes/hooks.js";
import { getBuildLogs } from "./routes/logs.js";
import { createWebhookIntake } from "./webhook-intake.js";
import { healthz, listTargets, metrics, readyz } from "./routes/system.js";
import { refuseInvalid } from "./validation.js";

type Handler = (c: Context, deps: AppDeps) => Response | Promise<Response>;

const READY_CACHE_MS = 3000;

function buildHandlers(deps: AppDeps, openapi: Handler): Record<RouteId, Handler> {
  const probe = createCachedProbe(deps.readiness, READY_CACHE_MS);
  const intake = createWebhookIntake(deps.settings.webhookIntake);
  return {
    createBuild,
    listBuilds,
    getBuild,
    getBuildLogs,
    cancelBuild,
    retryBuild,
    listTargets,
    githubHook: (c) => githubHook(c, deps, intake),
    scheduleHook,
    healthz,
    readyz: (c) => readyz(c, deps, probe),
    metrics,
    openapi,
    consoleHome,
    consoleBuild,
    consoleEvents: consoleBuildEvents,
    consoleLog,
    consoleCancel: cancelBuild,
    consoleRetry: retryBuild,
    consoleAsset,
  };
}

/** What the caller may do, set on the context for the console (buttons only for "write"). */
function authorize(c: Context, deps: AppDeps, route: RouteSpec): Access | undefined {
  if (route.access === "open" || route.access === "webhook") return undefined;
  const tokens = { apiToken: deps.settings.apiToken, readToken: deps.settings.readToken };
  if (!isAuthEnabled(tokens)) return "write";
  const presented = parsePresentedToken({
    xBuilderToken: c.req.header("x-builder-token"),
    xBuilderAuthorization: c.req.header("x-builder-authorization"),
    authorization: c.req.header("authorization"),
  });
  const access = resolveAccess(tokens, presented.token);
  try {
    assertAccess(access, route.access, presented);
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) {
      // The console asks the browser for credentials (a token as password). API routes
      // offer Bearer and Basic: a browser that has the Basic credentials but did not send
      // them can answer.
      const isConsole = route.id.startsWith("console");
      const basic = 'Basic realm="comfyume-builder", charset="UTF-8"';
      c.header("WWW-Authenticate", isConsole ? basic : `Bearer realm="comfyume-builder", ${basic}`);
    }
    throw err;
  }
  if (route.access === "write" && presented.scheme === "basic") assertSameSite(c);
  return access;
}

/**
 * A browser attaches cached Basic credentials to any request to this origin, including a
 * form another site posts here; writes with Basic credentials must come from the console
 * itself. Fetch Metadata says where a browser request came from; clients that are not
 * browsers (curl -u) send none and are not affected.
 */
function assertSameSite(c: Context): void {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin") {
    throw new HttpError(
      403,
      "FORBIDDEN",
      `A write from another site (Sec-Fetch-Site: ${site.slice(0, 40)}) is refused.`,
    );
  }
}

/** Runs before the route's validators: the metrics label, then who may call it. */
function guard(deps: AppDeps, route: RouteSpec): MiddlewareHandler {
  return async (c, next) => {
    c.set("route" as never, route.path as never);
    c.set("access" as never, authorize(c, deps, route) as never);
    await next();
  };
}

export function createApp(deps: AppDeps): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>({ defaultHook: refuseInvalid() });
  let document: string | undefined;
  const handlers = buildHandlers(deps, (c) => {
    document ??= JSON.stringify(renderOpenApiDocument(app, deps.version ?? "0.0.0"));
    return c.body(document, 200, { "content-type": "application/json; charset=utf-8" });
  });
  const clock = deps.clock ?? (() => new Date());

  app.use(async (c, next) => {
    const started = clock().getTime();
    await next();
    const ms = clock().getTime() - started;
    const route = (c.get("route" as never) as string | undefined) ?? "unmatched";
    deps.metrics.observeRequest(route, c.req.method, c.res.status, ms);
    const level = c.res.status >= 500 ? "error" : "info";
    deps.logger[level]("request", {
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      ms,
    });
  });

  for (const route of ROUTES) {
    const handler = handlers[route.id];
    app.openapi(
      { ...route.route, middleware: [guard(deps, route)] } as RouteConfig,
      ((c: Context) => handler(c, deps)) as never,
      refuseInvalid(route.queryName ? { query: route.queryName } : {}) as never,
    );
  }

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    return c.json(
      {
        error: {
          code: "NOT_FOUND",
          message: `No route ${c.req.method} ${JSON.stringify(path.slice(0, 200))}; see /openapi.json.`,
        },
      },
      404,
    );
  });

  app.onError((err, c) => {
    const { status, body, retryAfter } = toErrorResponse(err);
    if (status >= 500) deps.logger.error("request failed", { path: new URL(c.req.url).pathname, err });
    if (retryAfter !== undefined) c.header("Retry-After", String(retryAfter));
    return c.json(body, status as 400);
  });

  return app;
}
