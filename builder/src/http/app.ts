// createApp(deps): the Hono app of SPEC §4. It never listens (serve.ts does). Every route
// comes from the route table, which also says who may call it; one onError turns every
// failure into the error envelope; every request is logged as one JSON line and counted.
import { Hono, type Context } from "hono";
import type { AppDeps } from "./deps.js";
import { assertAccess, isAuthEnabled, parsePresentedToken, resolveAccess } from "./auth.js";
import { createCachedProbe } from "./cached-probe.js";
import { renderBuildList, renderBuildPage } from "./dashboard.js";
import { HttpError, toErrorResponse } from "./errors.js";
import { ROUTES, type RouteId, type RouteSpec } from "./route-table.js";
import { cancelBuild, createBuild, getBuild, listBuilds, loadBuild, retryBuild } from "./routes/builds.js";
import { githubHook, scheduleHook } from "./routes/hooks.js";
import { getBuildLogs } from "./routes/logs.js";
import { createWebhookIntake } from "./webhook-intake.js";
import { healthz, listTargets, metrics, openapi, readyz } from "./routes/system.js";

type Handler = (c: Context, deps: AppDeps) => Response | Promise<Response>;

const READY_CACHE_MS = 3000;

function buildHandlers(deps: AppDeps): Record<RouteId, Handler> {
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
    openapi: (c) => openapi(c, deps.version ?? "0.0.0"),
    dashboard: async (c) => c.html(renderBuildList((await deps.service.list({ limit: 100 })).builds)),
    dashboardEvents: getBuildLogs,
    dashboardBuild: async (c) => c.html(renderBuildPage(await loadBuild(deps, c.req.param("id") ?? ""))),
  };
}

function authorize(c: Context, deps: AppDeps, route: RouteSpec): void {
  if (route.access === "open" || route.access === "webhook") return;
  const tokens = { apiToken: deps.settings.apiToken, readToken: deps.settings.readToken };
  if (!isAuthEnabled(tokens)) return;
  const presented = parsePresentedToken({
    xBuilderToken: c.req.header("x-builder-token"),
    xBuilderAuthorization: c.req.header("x-builder-authorization"),
    authorization: c.req.header("authorization"),
  });
  try {
    assertAccess(resolveAccess(tokens, presented.token), route.access, presented);
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) {
      // The dashboard's pages ask the browser for credentials (read token as password). API
      // routes offer Bearer and Basic: the dashboard's fetch and EventSource calls must be
      // answerable by a browser that has the Basic credentials but did not send them.
      const isPage = route.id === "dashboard" || route.id === "dashboardBuild";
      const basic = 'Basic realm="comfyume-builder", charset="UTF-8"';
      c.header("WWW-Authenticate", isPage ? basic : `Bearer realm="comfyume-builder", ${basic}`);
    }
    throw err;
  }
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const handlers = buildHandlers(deps);
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
    app.on(route.method.toUpperCase(), route.path, async (c) => {
      c.set("route" as never, route.path as never);
      authorize(c, deps, route);
      return handlers[route.id](c, deps);
    });
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
