import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildOpenApiPath, ROUTES } from "../../../builder/src/http/route-table.js";
import { makeBuildRecord } from "../../helpers/build-record.js";
import { api, createTestApp, json, read, type TestApp } from "./test-app.js";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

describe("health, readiness, metrics", () => {
  it("/healthz is ok; /readyz lists checks, 503 when one fails or while shutting down", async () => {
    expect(await (await t.app.request("/healthz")).json()).toEqual({ ok: true });
    expect((await t.app.request("/readyz")).status).toBe(200);
    t.shutdown.on = true;
    const down = await t.app.request("/readyz");
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ ok: false, checks: [{ name: "shutdown", ok: false }] });
  });

  it("/readyz caches the probe for a few seconds (load balancers poll it)", async () => {
    let calls = 0;
    const { createCachedProbe } = await import("../../../builder/src/http/cached-probe.js");
    let now = 0;
    const probe = createCachedProbe(
      () => Promise.resolve(++calls),
      3000,
      () => now,
    );
    await probe();
    await probe();
    now = 2999;
    await probe();
    expect(calls).toBe(1);
    now = 3000;
    await probe();
    expect(calls).toBe(2);
  });

  it("/metrics counts HTTP requests by route and status, and ended builds", async () => {
    await t.app.request("/v1/builds", { headers: read });
    await t.app.request("/v1/builds/b_x", { headers: read });
    const rec = makeBuildRecord({ id: "b_1", target: "worker", status: "failed" });
    rec.phases = [{ name: "build", status: "failed", startedAt: null, finishedAt: null, durationMs: 2000 }];
    rec.smoke = { passed: 1, failed: 2, results: [] };
    // The service reports ended builds through the same metrics object the app renders.
    const { createMetrics } = await import("../../../builder/src/http/metrics.js");
    const m = createMetrics({ defaultMetrics: false });
    m.observeBuildEnd(rec);
    m.setSource({ queueDepth: () => 3, running: () => 1, cacheBytes: () => ({ worker: 42 }) });
    const own = await m.registry.metrics();
    expect(own).toContain('builder_builds_total{target="worker",status="failed"} 1');
    expect(own).toContain('builder_smoke_failures_total{target="worker"} 2');
    expect(own).toContain("builder_queue_depth 3");
    expect(own).toContain('builder_cache_bytes{target="worker"} 42');
    expect(own).toMatch(
      /builder_phase_duration_seconds_bucket\{le="5",target="worker",phase="build",status="failed"\} 1/,
    );
    const text = await (await t.app.request("/metrics")).text();
    expect(text).toContain('builder_http_requests_total{route="/v1/builds",method="GET",status="200"} 1');
    expect(text).toContain('builder_http_requests_total{route="/v1/builds/:id",method="GET",status="404"} 1');
  });

  it("writes one JSON log line per request with method, path, status and ms", async () => {
    await t.app.request("/v1/builds", {
      method: "POST",
      headers: { ...api, ...json },
      body: JSON.stringify({ target: "worker" }),
    });
    const req = t.logs.find((l) => l.msg === "request" && l.method === "POST")!;
    expect(req).toMatchObject({ level: "info", path: "/v1/builds", status: 202 });
    expect(typeof req.ms).toBe("number");
    expect(t.logs.find((l) => l.msg === "build submitted")).toHaveProperty("buildId");
  });
});

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, unknown>;
  security: unknown[];
}

describe("/openapi.json", () => {
  const document = async () =>
    (await (await t.app.request("/openapi.json", { headers: read })).json()) as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, unknown> };
    };
  const param = (op: Operation | undefined, where: string, name: string) =>
    op?.parameters?.find((p) => p.in === where && p.name.toLowerCase() === name.toLowerCase());

  it("is OpenAPI 3.1 with every public route of the table (and nothing else) and schemas generated from zod", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    const publicRoutes = ROUTES.filter((x) => !x.hidden);
    for (const r of publicRoutes) {
      const op = doc.paths[buildOpenApiPath(r.path)]?.[r.method];
      expect(op, r.path).toBeDefined();
      expect(op!.operationId).toBe(r.id);
      expect(op!.security, r.id).toEqual(
        r.access === "open" || r.access === "webhook" ? [] : expect.any(Array),
      );
    }
    const documented = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    expect(documented.map((op) => op.operationId).sort()).toEqual(publicRoutes.map((r) => r.id).sort());
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["bearer", "builderToken"]);
    const body = doc.paths["/v1/builds"]!.post!.requestBody!.content["application/json"]!.schema;
    expect(Object.keys(body.properties!)).toEqual(
      expect.arrayContaining(["target", "ref", "tags", "platforms", "buildArgs", "push"]),
    );
    // The record documents the tag phase and what it published.
    const text = JSON.stringify(doc);
    expect(text).toContain('"enum":["source","build","push","smoke","tag","backup"]');
    const record = (
      doc.paths["/v1/builds/{id}"]!.get!.responses["200"] as {
        content: Record<string, { schema: { properties: Record<string, { description?: string }> } }>;
      }
    ).content["application/json"]!.schema;
    expect(record.properties.published?.description).toMatch(/^Tags moved to `digest` by the tag phase/);
    // Every schema in it is valid JSON Schema as far as zod itself can read it back.
    expect(() => z.fromJSONSchema(body as never)).not.toThrow();
  });

  it("documents every input the server validates: ?wait and Idempotency-Key of submit and retry, the log position, the id", async () => {
    const doc = await document();
    for (const [path, method] of [
      ["/v1/builds", "post"],
      ["/v1/builds/{id}/retry", "post"],
    ] as const) {
      const op = doc.paths[path]![method];
      expect(param(op, "query", "wait")?.schema, path).toMatchObject({ enum: ["true", "false"] });
      expect(param(op, "header", "Idempotency-Key")?.schema, path).toMatchObject({ type: "string" });
    }
    const logs = doc.paths["/v1/builds/{id}/logs"]!.get;
    expect(param(logs, "header", "Last-Event-ID")).toBeDefined();
    expect(param(logs, "query", "after")).toBeDefined();
    for (const [path, methods] of Object.entries(doc.paths).filter(([p]) => p.includes("{id}")))
      for (const op of Object.values(methods))
        expect(param(op, "path", "id"), `${path} ${op.operationId}`).toMatchObject({ required: true });
    expect(param(doc.paths["/v1/builds"]!.get, "query", "limit")?.schema).toMatchObject({ type: "string" });
  });

  it("a value the route's schemas refuse is told in the envelope with the field and the value", async () => {
    const cases: [string, RequestInit, string][] = [
      ["/v1/builds?limit=0", { headers: read }, "The list query is invalid: limit: limit is at least 1."],
      [
        "/v1/builds/b_x/logs?after=x",
        { headers: read },
        "The log query is invalid: after: after is a log sequence number (a whole number).",
      ],
      [
        "/v1/builds/b_x/logs",
        { headers: { ...read, "last-event-id": "nope" } },
        'Log position "nope" is not a sequence number; send a whole number.',
      ],
      [
        "/v1/builds/a.b",
        { headers: read },
        `Build id "a.b" is not valid; a build id is 1-64 letters, digits, '_' or '-'.`,
      ],
      [
        "/v1/builds?wait=yes",
        { method: "POST", headers: { ...api, ...json }, body: '{"target":"tiny"}' },
        'Query parameter wait="yes" must be "true" or "false".',
      ],
      [
        "/v1/builds/b_x/retry",
        { method: "POST", headers: { ...api, "idempotency-key": "a b" } },
        'Idempotency-Key "a b" is not valid; use 1-255 visible ASCII characters (a UUID is typical).',
      ],
    ];
    for (const [url, init, message] of cases) {
      const res = await t.app.request(url, init);
      expect(res.status, url).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string; issues: unknown[] } };
      expect(body.error, url).toMatchObject({ code: "INVALID_REQUEST", message });
      expect(body.error.issues, url).toHaveLength(1);
    }
  });
});
