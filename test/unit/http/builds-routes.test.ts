import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BuildRecord, ErrorEnvelope } from "../../../common/build-record.js";
import { api, createTestApp, json, read, type TestApp } from "./test-app.js";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  t.app.request(path, {
    method: "POST",
    headers: { ...api, ...json, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const envelope = async (res: Response) => (await res.json()) as ErrorEnvelope;

describe("POST /v1/builds", () => {
  it("queues a build: 202, Location, the record", async () => {
    const res = await post("/v1/builds", { target: "worker", ref: "v0.11.0", tags: ["v0.11.0"] });
    expect(res.status).toBe(202);
    const record = (await res.json()) as BuildRecord;
    expect(res.headers.get("location")).toBe(`/v1/builds/${record.id}`);
    expect(record).toMatchObject({
      target: "worker",
      status: "queued",
      deduplicated: false,
      trigger: { kind: "api" },
    });
  });

  it.each([
    ["not JSON", "{nope", "(root)"],
    ["wrong type", { target: 5 }, "target"],
    ["unknown field", { target: "worker", extra: 1 }, "(root)"],
    ["option-like ref", { target: "worker", ref: "--upload-pack=x" }, "ref"],
    ["ref with ..", { target: "worker", ref: "a/../b" }, "ref"],
    ["bad tag", { target: "worker", tags: ["-x"] }, "tags.0"],
    ["bad platform", { target: "worker", platforms: ["linux amd64"] }, "platforms.0"],
    ["control char in build arg", { target: "worker", buildArgs: { A: "x\ny" } }, "buildArgs.A"],
    ["push as string", { target: "worker", push: "true" }, "push"],
    ["array body", [1, 2], "(root)"],
  ])("%s → 400 INVALID_REQUEST with issues naming %s", async (_name, body, path) => {
    const res = await post("/v1/builds", body);
    expect(res.status).toBe(400);
    const e = await envelope(res);
    expect(e.error.code).toBe("INVALID_REQUEST");
    expect(e.error.issues?.map((i) => i.path)).toContain(path);
    expect((await t.store.list({ limit: 10 })).builds).toHaveLength(0);
  });

  it("rejects query parameters beside a JSON body, unknown content types (415) and oversized JSON (413)", async () => {
    expect((await post("/v1/builds?target=worker", { target: "worker" })).status).toBe(400);
    expect((await post("/v1/builds", "x", { "content-type": "text/csv" })).status).toBe(415);
    const huge = await post("/v1/builds", { target: "worker", buildArgs: { A: "x".repeat(300 * 1024) } });
    expect(huge.status).toBe(413);
    expect((await envelope(huge)).error.message).toMatch(/at most 262144 bytes/);
  });

  it("Idempotency-Key: the same key and body return the first build as first answered (202), other params → 409", async () => {
    const first = (await (
      await post("/v1/builds", { target: "worker" }, { "idempotency-key": "k-1" })
    ).json()) as BuildRecord;
    const again = await post("/v1/builds", { target: "worker" }, { "idempotency-key": "k-1" });
    expect(again.status).toBe(202);
    expect((await again.json()) as BuildRecord).toMatchObject({ id: first.id, deduplicated: false });
    const other = await post("/v1/builds", { target: "tiny" }, { "idempotency-key": "k-1" });
    expect(other.status).toBe(409);
    expect((await envelope(other)).error.code).toBe("CONFLICT");
    expect(
      (await post("/v1/builds", { target: "worker" }, { "idempotency-key": "bad key with spaces" })).status,
    ).toBe(400);
  });

  it("uploads: query parameters are validated before any byte is read, with messages naming the parameter", async () => {
    const up = (q: string, headers: Record<string, string> = {}) =>
      t.app.request(`/v1/builds?${q}`, {
        method: "POST",
        headers: { ...api, "content-type": "application/x-tar", ...headers },
        body: "x",
      });
    const bad = await up("target=worker&push=yes");
    expect(bad.status).toBe(400);
    expect((await envelope(bad)).error.message).toContain('push="yes"');
    expect((await up("target=worker&nope=1")).status).toBe(400);
    expect((await up("target=worker&buildArg=novalue")).status).toBe(400);
    const big = await up("target=worker", { "content-length": String(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
  });

  it("while shutting down: 503 SHUTTING_DOWN with Retry-After", async () => {
    t.shutdown.on = true;
    const res = await post("/v1/builds", { target: "worker" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
    expect((await envelope(res)).error.code).toBe("SHUTTING_DOWN");
  });

  it("?wait=true without NDJSON holds the response and answers with the final record", async () => {
    t.start();
    const pending = post("/v1/builds?wait=true", { target: "tiny" });
    const { id } = (await waitForSubmitted(t))[0]!;
    await t.executor.end(id, "succeeded");
    const res = await pending;
    expect(res.status).toBe(200);
    expect((await res.json()) as BuildRecord).toMatchObject({ id, status: "succeeded" });
  });
});

async function waitForSubmitted(app: TestApp): Promise<{ id: string }[]> {
  const { waitFor } = await import("../../helpers/wait-for.js");
  return waitFor(
    async () => {
      const page = await app.store.list({ limit: 10 });
      return page.builds.length > 0 ? page.builds.map((b) => ({ id: b.id })) : undefined;
    },
    { what: "a submitted build" },
  );
}

describe("GET /v1/builds, /v1/builds/:id, cancel, retry", () => {
  it("pages newest first with a cursor, filters, and validates limit", async () => {
    // Distinct parameters: the service deduplicates identical queued builds.
    for (let i = 0; i < 5; i++)
      await post("/v1/builds", { target: i % 2 ? "tiny" : "worker", buildArgs: { N: String(i) } });
    const first = (await (await t.app.request("/v1/builds?limit=2", { headers: read })).json()) as {
      builds: BuildRecord[];
      nextCursor: string;
    };
    expect(first.builds).toHaveLength(2);
    expect(first.nextCursor).toBeTruthy();
    const second = (await (
      await t.app.request(`/v1/builds?limit=2&cursor=${first.nextCursor}`, { headers: read })
    ).json()) as { builds: BuildRecord[] };
    expect(second.builds[0]!.id < first.builds[1]!.id).toBe(true);
    const tiny = (await (await t.app.request("/v1/builds?target=tiny", { headers: read })).json()) as {
      builds: BuildRecord[];
    };
    expect(tiny.builds.map((b) => b.target)).toEqual(["tiny", "tiny"]);
    for (const q of ["limit=0", "limit=501", "limit=abc", "status=done", "target=UP", "foo=1"]) {
      const res = await t.app.request(`/v1/builds?${q}`, { headers: read });
      expect(res.status, q).toBe(400);
    }
  });

  it("GET one: 200, 404 for an unknown id, 400 for an id that could not be one", async () => {
    const rec = (await (await post("/v1/builds", { target: "worker" })).json()) as BuildRecord;
    expect((await t.app.request(`/v1/builds/${rec.id}`, { headers: read })).status).toBe(200);
    const missing = await t.app.request("/v1/builds/b_nothere", { headers: read });
    expect(missing.status).toBe(404);
    expect((await envelope(missing)).error.code).toBe("NOT_FOUND");
    expect((await t.app.request("/v1/builds/..%2F..%2Fetc", { headers: read })).status).toBe(400);
  });

  it("cancel: 202 while queued, 409 once ended; retry makes a new build with trigger retry", async () => {
    const rec = (await (await post("/v1/builds", { target: "worker" })).json()) as BuildRecord;
    const cancel = await t.app.request(`/v1/builds/${rec.id}/cancel`, { method: "POST", headers: api });
    expect(cancel.status).toBe(202);
    const again = await t.app.request(`/v1/builds/${rec.id}/cancel`, { method: "POST", headers: api });
    expect(again.status).toBe(409);
    expect((await envelope(again)).error.code).toBe("CONFLICT");
    const retry = await t.app.request(`/v1/builds/${rec.id}/retry`, { method: "POST", headers: api });
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as BuildRecord).trigger).toEqual({ kind: "retry", of: rec.id });
  });
});

describe("unknown routes and targets", () => {
  it("404 in the envelope", async () => {
    const res = await t.app.request("/v2/nothing", { headers: api });
    expect(res.status).toBe(404);
    expect((await envelope(res)).error.code).toBe("NOT_FOUND");
  });

  it("GET /v1/targets shows env var names at most, never values", async () => {
    const res = await t.app.request("/v1/targets", { headers: read });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain("v0.11.0"); // build-arg values stay private
    expect(JSON.parse(text).targets[0]).toMatchObject({
      name: "worker",
      buildArgNames: ["COMFYUI_VERSION"],
      secretEnvNames: ["GH_TOKEN"],
      schedule: true,
    });
  });
});
