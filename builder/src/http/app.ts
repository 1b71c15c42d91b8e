// createApp(deps): the Hono app of SPEC §4. It never listens (serve.ts does). Every route
// comes from the route table, which also says who may call it; one onError turns every
// failure into the error envelope; every request is logged as one JSON line and counted.
import { Hono, type Context } from "hono";
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
import { ROUTES, type RouteId, type RouteSpec } from "./route-table.js";
import { cancelBuild, createBuild, getBuild, listBuilds, retryBuild } from "./routes/builds.js";
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
      c.set("access" as never, authorize(c, deps, route) as never);
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
