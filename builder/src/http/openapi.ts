// OpenAPI 3.1 generated from the route table and its zod schemas (z.toJSONSchema emits
// JSON Schema 2020-12, which is OpenAPI 3.1's dialect). Input schemas are rendered as
// inputs (what a client sends, before transforms), responses as outputs.
import { z } from "zod";
import { ROUTES, type RouteResponse, type RouteSpec } from "./route-table.js";

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType | "binary" | "text", io: "input" | "output"): Json {
  if (schema === "binary") return { type: "string", contentMediaType: "application/octet-stream" };
  if (schema === "text") return { type: "string" };
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
  delete out.$schema;
  return out;
}

/** `/v1/builds/:id` → `/v1/builds/{id}`. Pure. */
export function buildOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, "{$1}");
}

function buildParameters(route: RouteSpec): Json[] {
  const params: Json[] = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (route.query) {
    const shape = route.query.shape as Record<string, z.ZodType>;
    for (const [name, schema] of Object.entries(shape)) {
      params.push({
        name,
        in: "query",
        required: !schema.safeParse(undefined).success,
        schema: schemaOf(schema, "input"),
      });
    }
  }
  if (route.id === "createBuild") {
    params.push({
      name: "wait",
      in: "query",
      required: false,
      schema: { type: "string", enum: ["true", "false"] },
    });
    params.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      schema: { type: "string", maxLength: 255 },
    });
  }
  if (route.id === "getBuildLogs")
    params.push({ name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } });
  return params;
}

function buildResponses(responses: Record<number, RouteResponse>): Json {
  const out: Json = {};
  for (const [status, r] of Object.entries(responses)) {
    const content = r.content
      ? Object.fromEntries(
          Object.entries(r.content).map(([type, s]) => [type, { schema: schemaOf(s, "output") }]),
        )
      : undefined;
    out[status] = content ? { description: r.description, content } : { description: r.description };
  }
  return out;
}

function buildSecurity(route: RouteSpec): Json[] | undefined {
  if (route.access === "open" || route.access === "webhook") return [];
  return [{ bearer: [] }, { builderToken: [] }];
}

export function buildOpenApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES.filter((r) => !r.hidden)) {
    const op: Json = {
      operationId: route.id,
      summary: route.summary,
      parameters: buildParameters(route),
      responses: buildResponses(route.responses),
      security: buildSecurity(route),
    };
    if (route.access === "write") op["x-requires"] = "API token (BUILDER_API_TOKEN)";
    if (route.body) {
      op.requestBody = {
        required: route.id !== "scheduleHook",
        content: Object.fromEntries(
          Object.entries(route.body).map(([type, s]) => [type, { schema: schemaOf(s, "input") }]),
        ),
      };
    }
    const key = buildOpenApiPath(route.path);
    paths[key] = { ...(paths[key] ?? {}), [route.method]: op };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "comfyume-builder",
      version,
      description: "Container build service for the ComfyuME platform.",
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        builderToken: { type: "apiKey", in: "header", name: "X-Builder-Token" },
      },
    },
  };
}
