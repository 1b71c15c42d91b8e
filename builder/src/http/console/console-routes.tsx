// The console's handlers (SPEC §8), wired by the route table like the API's. Pages are
// server-rendered with hono/jsx; the small script (client/) makes them live. Pages are
// sent with a strict Content-Security-Policy: no inline script or style can run, so even
// a value that slipped into markup could not execute.
import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import { buildMatcher } from "../build-filter.js";
import type { AppDeps, ListResult } from "../deps.js";
import { HttpError } from "../errors.js";
import { buildTargetViews } from "../routes/system.js";
import { listQuerySchema } from "../schemas.js";
import { validInput } from "../validation.js";
import { loadConsoleAsset } from "./assets.js";
import { BuildPage, MissingPage } from "./build-page.js";
import { consoleEvents } from "./build-stream.js";
import type { ListFilters } from "./builds-view.js";
import { HomePage } from "./home-page.js";
import type { ConsoleAccess, PageContext } from "./layout.js";
import { summarizeTargets } from "./target-summary.js";

/** Live updates stop after this long without input on the page (SPEC §8, no surprise bills). */
export const DEFAULT_CONSOLE_IDLE_MS = 5 * 60_000;
/** How many of the newest builds the targets overview (last build, trend) is drawn from. */
const OVERVIEW_BUILDS = 200;
const PAGE_SIZE = 50;

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function pageContext(c: Context, deps: AppDeps, root: string): PageContext {
  const access = (c.get("access" as never) as ConsoleAccess | undefined) ?? "read";
  return {
    root,
    access,
    idleMs: deps.settings.consoleIdleMs ?? DEFAULT_CONSOLE_IDLE_MS,
    now: (deps.clock ?? (() => new Date()))(),
  };
}

async function html(c: Context, page: JSX.Element, status = 200): Promise<Response> {
  return c.html(`<!doctype html>${String(await page)}`, status as 200, SECURITY_HEADERS);
}

export async function consoleHome(c: Context, deps: AppDeps): Promise<Response> {
  const ctx = pageContext(c, deps, "");
  const raw = Object.fromEntries(new URL(c.req.url).searchParams);
  // Empty form fields mean "all".
  for (const [k, v] of Object.entries(raw)) if (v === "") delete raw[k];
  const parsed = listQuerySchema.safeParse(raw);
  const query = parsed.success ? parsed.data : {};
  const filters: ListFilters = query;
  const filterError = parsed.success
    ? undefined
    : `Filters ignored: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
  const match = buildMatcher(query);
  const limit = query.limit ?? PAGE_SIZE;
  const unfiltered = !query.target && !query.status && !query.cursor && !match && limit <= OVERVIEW_BUILDS;
  const [recent, filtered, cacheBytes] = await Promise.all([
    deps.service.list({ limit: OVERVIEW_BUILDS }),
    unfiltered
      ? undefined
      : deps.service.list({
          limit,
          ...(query.target ? { target: query.target } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
          ...(match ? { match } : {}),
        }),
    deps.cache?.bytes().catch((err: unknown) => {
      deps.logger.warn("cache sizes could not be read", { err });
      return undefined;
    }),
  ]);
  // The first unfiltered page is the head of the overview's builds: read once, not twice.
  const page = filtered ?? firstPage(recent, limit);
  return html(
    c,
    <HomePage
      ctx={ctx}
      summaries={summarizeTargets(buildTargetViews(deps.config), recent.builds, cacheBytes)}
      cacheBudget={deps.cache?.budgetBytes}
      builds={page.builds}
      nextCursor={page.nextCursor}
      filters={filters}
      filterError={filterError}
    />,
  );
}

function firstPage(recent: ListResult, limit: number): ListResult {
  const builds = recent.builds.slice(0, limit);
  const more = recent.builds.length > limit || recent.nextCursor !== null;
  return { builds, nextCursor: more && builds.length ? builds[builds.length - 1]!.id : null };
}

export async function consoleBuild(c: Context, deps: AppDeps): Promise<Response> {
  const ctx = pageContext(c, deps, "../");
  const raw = c.req.param("id") ?? "";
  const record = /^[A-Za-z0-9_-]{1,64}$/.test(raw) ? await deps.service.get(raw) : undefined;
  if (!record) return html(c, <MissingPage id={raw.slice(0, 64)} ctx={ctx} />, 404);
  return html(c, <BuildPage b={record} ctx={ctx} />);
}

/** The build page's stream: the build's events and its re-rendered parts (build-stream.tsx). */
export function consoleBuildEvents(c: Context, deps: AppDeps): Promise<Response> {
  const { root, access, idleMs } = pageContext(c, deps, "../");
  return consoleEvents(c, deps, { root, access, idleMs });
}

/** The whole log as a file (the build page's Download). */
export async function consoleLog(c: Context, deps: AppDeps): Promise<Response> {
  const { id } = validInput<{ id: string }>(c, "param");
  if (!(await deps.service.get(id)))
    throw new HttpError(404, "NOT_FOUND", `No build with id ${JSON.stringify(id)}.`);
  const lines = await deps.store.readLog(id, 0);
  return c.body(lines.map((l) => `${l.line}\n`).join(""), 200, {
    "content-type": "text/plain; charset=utf-8",
    "content-disposition": `attachment; filename="${id}.log"`,
    "x-content-type-options": "nosniff",
  });
}

export async function consoleAsset(c: Context): Promise<Response> {
  const loading = loadConsoleAsset(c.req.param("file") ?? "");
  if (!loading) throw new HttpError(404, "NOT_FOUND", "No such console file.");
  let asset;
  try {
    asset = await loading;
  } catch {
    throw new HttpError(500, "INTERNAL", "The console's script is not built; run `npm run build`.");
  }
  const headers = { "content-type": asset.type, etag: asset.etag, "cache-control": "no-cache" };
  if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, headers);
  return c.body(new Uint8Array(asset.body), 200, headers);
}
