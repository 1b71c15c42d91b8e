// One route of the API as @hono/zod-openapi takes it: createRoute() with the route's
// query, path and header schemas (the validators the app installs) and its documented
// bodies and responses, plus who may call it (auth.ts). Built by defineRoute from the
// compact entries of route-table.ts.
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import type { RouteAccess, RouteId } from "./route-table.js";

export type Schema = z.ZodType | "binary" | "text";

export interface RouteResponse {
  description: string;
  content?: Record<string, Schema>;
}

export interface RouteInput {
  id: RouteId;
  method: "get" | "post";
  /** Hono path syntax (`:id`); OpenAPI's `{id}` is derived. */
  path: string;
  summary: string;
  access: RouteAccess;
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** Header schemas with lower-case names (as Hono hands headers to validators). */
  headers?: z.ZodObject;
  /** What each body media type carries (validated by the handler after a capped read). */
  body?: Record<string, Schema>;
  /** Whether a body must be sent (default true when there is one). */
  bodyRequired?: boolean;
  responses: Record<number, RouteResponse>;
  /** How refusals name the query in messages ("list query"). */
  queryName?: string;
  /** Served but left out of the OpenAPI document (the console's pages). */
  hidden?: boolean;
}

export interface RouteSpec {
  id: RouteId;
  method: "get" | "post";
  /** Hono path syntax (`:id`): the route's name in metrics. */
  path: string;
  access: RouteAccess;
  queryName?: string;
  hidden: boolean;
  /** The @hono/zod-openapi route: validators and the OpenAPI operation. */
  route: RouteConfig;
}

/** `/v1/builds/:id` → `/v1/builds/{id}`. Pure. */
export function buildOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, "{$1}");
}

function toContent(content: Record<string, Schema>, io: "input" | "output") {
  return Object.fromEntries(
    Object.entries(content).map(([type, schema]) => [type, { schema: toSchema(schema, io) }]),
  );
}

/**
 * zod schemas are given to the generator as they are, except bodies (see the top): those
 * are rendered here with z.toJSONSchema (JSON Schema 2020-12, OpenAPI 3.1's dialect) so
 * @hono/zod-openapi documents them without installing a body parser of its own.
 */
function toSchema(schema: Schema, io: "input" | "output") {
  if (schema === "binary") return { type: "string" as const, contentMediaType: "application/octet-stream" };
  if (schema === "text") return { type: "string" as const };
  if (io === "output") return schema;
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  delete out.$schema;
  return out;
}

export function defineRoute(input: RouteInput): RouteSpec {
  const documented = input.access === "open" || input.access === "webhook";
  const route = createRoute({
    method: input.method,
    path: buildOpenApiPath(input.path),
    operationId: input.id,
    summary: input.summary,
    hide: input.hidden ?? false,
    security: documented ? [] : [{ bearer: [] }, { builderToken: [] }],
    ...(input.access === "write" ? { "x-requires": "API token (BUILDER_API_TOKEN)" } : {}),
    request: {
      ...(input.query ? { query: input.query } : {}),
      ...(input.params ? { params: input.params } : {}),
      ...(input.headers ? { headers: input.headers } : {}),
      ...(input.body
        ? { body: { required: input.bodyRequired ?? true, content: toContent(input.body, "input") } }
        : {}),
    },
    responses: Object.fromEntries(
      Object.entries(input.responses).map(([status, r]) => [
        status,
        r.content
          ? { description: r.description, content: toContent(r.content, "output") }
          : { description: r.description },
      ]),
    ),
  });
  return {
    id: input.id,
    method: input.method,
    path: input.path,
    access: input.access,
    ...(input.queryName ? { queryName: input.queryName } : {}),
    hidden: input.hidden ?? false,
    route: route as RouteConfig,
  };
}
