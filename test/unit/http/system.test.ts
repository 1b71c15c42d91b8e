import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildOpenApiPath } from "../../../builder/src/http/openapi.js";
import { ROUTES } from "../../../builder/src/http/route-table.js";
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

describe("/openapi.json", () => {
  it("is OpenAPI 3.1 with every public route of the table and schemas generated from zod", async () => {
    const doc = (await (await t.app.request("/openapi.json", { headers: read })).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }
        >
      >;
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const r of ROUTES.filter((x) => !x.hidden))
      expect(doc.paths[buildOpenApiPath(r.path)]?.[r.method], r.path).toBeDefined();
    const body = doc.paths["/v1/builds"]!.post!.requestBody!.content["application/json"]!.schema;
    expect(Object.keys(body.properties!)).toEqual(
      expect.arrayContaining(["target", "ref", "tags", "platforms", "buildArgs", "push"]),
    );
    // The record documents the tag phase and what it published.
    const text = JSON.stringify(doc);
    expect(text).toContain('"enum":["source","build","push","smoke","tag","backup"]');
    expect(text).toMatch(/"published":\{[^}]*"description":"Tags moved to `digest` by the tag phase/);
    // Every schema in it is valid JSON Schema as far as zod itself can read it back.
    expect(() => z.fromJSONSchema(body as never)).not.toThrow();
  });
});
