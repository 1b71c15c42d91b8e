// The real builder on port 0 with real builds (busybox, pushed to the stack's
// authenticated registry): submit, wait, NDJSON, SSE, cancel, retry, dedup, idempotency.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import {
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { waitFor } from "../../helpers/wait-for.js";
import { waitForEnd } from "../../helpers/builder-api.js";

let fx: BuilderFixture;
let b: InProcessBuilder;
beforeAll(async () => {
  fx = await createBuilderFixture();
  b = await startBuilder(fx);
});
afterAll(async () => {
  await b?.stop();
  await fx?.cleanup();
});

const json = { "content-type": "application/json" };
async function submit(body: unknown, query = "", headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${b.url}/v1/builds${query}`, {
    method: "POST",
    headers: { ...b.api, ...json, ...headers },
    body: JSON.stringify(body),
  });
}
const ended = (id: string) => waitForEnd(b, id, 120_000);

describe("real builds through the API", () => {
  it("POST → 202 + Location, the build runs, pushes and succeeds with a digest; the log is readable", async () => {
    const res = await submit({ target: "quick", smoke: false, buildArgs: { NONCE: String(Date.now()) } });
    expect(res.status).toBe(202);
    const rec = (await res.json()) as BuildRecord;
    expect(res.headers.get("location")).toBe(`/v1/builds/${rec.id}`);
    const done = await ended(rec.id);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(done.digest).toMatch(/^sha256:/);
    expect(done.published).toEqual(done.tags.map((ref) => ({ ref, digest: done.digest })));
    const log = await (await fetch(`${b.url}/v1/builds/${rec.id}/logs`, { headers: b.read })).text();
    expect(log).toContain("quick build");
    const list = (await (
      await fetch(`${b.url}/v1/builds?target=quick&status=succeeded`, { headers: b.read })
    ).json()) as { builds: BuildRecord[] };
    expect(list.builds.map((x) => x.id)).toContain(rec.id);
  });

  it("?wait=true with NDJSON streams status, the build's log lines, and ends with the final record", async () => {
    const res = await submit(
      { target: "slow", smoke: false, buildArgs: { NONCE: String(Date.now()), LINES: "5", DELAY: "0.1" } },
      "?wait=true",
      { accept: "application/x-ndjson" },
    );
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: "status" });
    expect(
      lines
        .filter((l) => l.type === "log")
        .map((l) => l.line)
        .join("\n"),
    ).toContain("slow line 5 of 5");
    expect(lines.at(-1)).toMatchObject({ type: "end", build: { status: "succeeded" } });
    const seqs = lines.filter((l) => l.type === "log").map((l) => l.seq as number);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("a failing build fails with the useful buildx line; retry starts a new build with trigger retry", async () => {
    const res = await submit({ target: "fail", smoke: false }, "?wait=true");
    const done = (await res.json()) as BuildRecord;
    expect(done.status).toBe("failed");
    expect(done.error?.code).toBe("BUILD_FAILED");
    const retry = await fetch(`${b.url}/v1/builds/${done.id}/retry`, { method: "POST", headers: b.api });
    expect(retry.status).toBe(202);
    const again = (await retry.json()) as BuildRecord;
    expect(again.trigger).toEqual({ kind: "retry", of: done.id });
    expect((await ended(again.id)).status).toBe("failed");
  });

  it("cancel of a running build → 202 and the build ends cancelled; cancel again → 409", async () => {
    const rec = (await (
      await submit({
        target: "slow",
        smoke: false,
        buildArgs: { NONCE: String(Date.now()), LINES: "200", DELAY: "0.2" },
      })
    ).json()) as BuildRecord;
    await waitFor(
      async () =>
        (
          await fetch(`${b.url}/v1/builds/${rec.id}/logs`, { headers: b.read }).then((r) => r.text())
        ).includes("slow line 2"),
      {
        timeoutMs: 60_000,
        what: "the slow build to print",
      },
    );
    const cancel = await fetch(`${b.url}/v1/builds/${rec.id}/cancel`, { method: "POST", headers: b.api });
    expect(cancel.status).toBe(202);
    expect((await ended(rec.id)).status).toBe("cancelled");
    const again = await fetch(`${b.url}/v1/builds/${rec.id}/cancel`, { method: "POST", headers: b.api });
    expect(again.status).toBe(409);
  });

  it("an identical request while one is queued or running is deduplicated (200); Idempotency-Key replays, mismatches 409", async () => {
    const body = {
      target: "slow",
      smoke: false,
      buildArgs: { NONCE: `d${Date.now()}`, LINES: "30", DELAY: "0.1" },
    };
    const first = (await (await submit(body)).json()) as BuildRecord;
    const dup = await submit(body);
    expect(dup.status).toBe(200);
    expect((await dup.json()) as BuildRecord).toMatchObject({ id: first.id, deduplicated: true });
    const k1 = await submit({ ...body, buildArgs: { ...body.buildArgs, NONCE: "k" } }, "", {
      "idempotency-key": `key-${first.id}`,
    });
    const k2 = await submit({ ...body, buildArgs: { ...body.buildArgs, NONCE: "k" } }, "", {
      "idempotency-key": `key-${first.id}`,
    });
    const kid = ((await k1.json()) as BuildRecord).id;
    expect(((await k2.json()) as BuildRecord).id).toBe(kid);
    const mismatch = await submit({ target: "quick" }, "", { "idempotency-key": `key-${first.id}` });
    expect(mismatch.status).toBe(409);
    for (const id of [first.id, kid])
      await fetch(`${b.url}/v1/builds/${id}/cancel`, { method: "POST", headers: b.api });
    await ended(first.id);
    await ended(kid);
  });

  it("a platform the buildx builder cannot build is a 400 naming it, and no build is created", async () => {
    const before = (await (await fetch(`${b.url}/v1/builds?limit=500`, { headers: b.read })).json()) as {
      builds: BuildRecord[];
    };
    const res = await submit({ target: "quick", platforms: ["linux/amd64", "linux/riscv64"] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; issues: unknown[] } };
    expect(body.error.code).toBe("INVALID_REQUEST");
    expect(body.error.message).toMatch(/^platform "linux\/riscv64" is not supported by the buildx builder/);
    expect(body.error.issues).toEqual([
      { path: "platforms", message: expect.stringContaining("linux/riscv64") },
    ]);
    const after = (await (await fetch(`${b.url}/v1/builds?limit=500`, { headers: b.read })).json()) as {
      builds: BuildRecord[];
    };
    expect(after.builds.length).toBe(before.builds.length);
  });

  it("readyz checks buildx and the dirs; metrics report builds and requests", async () => {
    const ready = await fetch(`${b.url}/readyz`);
    const body = (await ready.json()) as {
      ok: boolean;
      checks: { name: string; ok: boolean; message?: string }[];
    };
    expect(ready.status, JSON.stringify(body)).toBe(200);
    expect(body.checks.map((c) => c.name)).toEqual(["buildx", "data dir", "cache dir"]);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/builder_builds_total\{target="quick",status="succeeded"\} [1-9]/);
    expect(metrics).toMatch(
      /builder_phase_duration_seconds_count\{target="quick",phase="build",status="succeeded"\} [1-9]/,
    );
    expect(metrics).toContain("builder_queue_depth");
    expect(metrics).toMatch(/builder_http_requests_total\{route="\/v1\/builds",method="POST",status="202"\}/);
  });
});
