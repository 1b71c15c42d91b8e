// The console's server side through createApp: pages per token, escaping, the list's
// filters and search, the write guard for Basic credentials, and the 404 page. The
// browser behaviour (live parts, stream closing, actions) is tested in real Chromium in
// test/integration/http/console.test.ts.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import { waitFor } from "../../helpers/wait-for.js";
import { API_TOKEN, READ_TOKEN, api, createTestApp, json, read, type TestApp } from "./test-app.js";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

const basic = (token: string) => ({
  authorization: `Basic ${Buffer.from(`op:${token}`).toString("base64")}`,
});

async function submit(body: Record<string, unknown>): Promise<BuildRecord> {
  const res = await t.app.request("/v1/builds", {
    method: "POST",
    headers: { ...api, ...json },
    body: JSON.stringify(body),
  });
  return (await res.json()) as BuildRecord;
}

async function page(path: string, headers: Record<string, string>): Promise<{ res: Response; html: string }> {
  const res = await t.app.request(path, { headers });
  return { res, html: await res.text() };
}

const HOSTILE = `<img src=x onerror="alert(1)">`;

describe("console pages", () => {
  it("the front page lists targets and builds; rebuild buttons only for the API token", async () => {
    const b = await submit({ target: "tiny", tags: ["v1"] });
    const viewer = await page("/", basic(READ_TOKEN));
    expect(viewer.res.status).toBe(200);
    expect(viewer.res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(viewer.html).toMatch(/^<!doctype html>/);
    expect(viewer.html).toContain(`data-id="${b.id}"`);
    expect(viewer.html).toContain('data-target="worker"');
    expect(viewer.html).not.toContain("data-rebuild");
    expect(viewer.html).toContain("read-only");
    const operator = await page("/", basic(API_TOKEN));
    expect(operator.html).toContain('data-rebuild="tiny"');
    expect(operator.html).toContain('<dialog id="rebuild"');
  });

  it("pages carry a CSP that allows no inline script or style", async () => {
    const { res } = await page("/", read);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("a build page: cancel for a running build and retry for an ended one, with the API token only", async () => {
    const b = await submit({ target: "tiny" });
    expect((await page(`/builds/${b.id}`, read)).html).not.toContain("data-action");
    expect((await page(`/builds/${b.id}`, api)).html).toContain('data-action="cancel"');
    await t.end(b.id, "failed");
    const ended = (await page(`/builds/${b.id}`, api)).html;
    expect(ended).toContain('data-action="retry"');
    expect(ended).not.toContain('data-action="cancel"');
  });

  it("an unknown build is a 404 page, not an error envelope", async () => {
    const { res, html } = await page("/builds/b_nope", read);
    expect(res.status).toBe(404);
    expect(html).toContain("No build b_nope");
  });

  it("never turns a record value into markup", async () => {
    const b = await submit({ target: "tiny", buildArgs: { NOTE: HOSTILE } });
    await t.store.update(b.id, (r) => {
      r.status = "failed";
      r.tags = [`127.0.0.1:5001/test/tiny:${HOSTILE}`];
      r.error = { code: "BUILD_FAILED", message: HOSTILE };
      r.phases = [
        {
          name: "build",
          status: "skipped",
          startedAt: null,
          finishedAt: null,
          durationMs: 1,
          message: HOSTILE,
        },
      ];
      r.smoke = {
        passed: 0,
        failed: 1,
        results: [{ name: HOSTILE, passed: false, durationMs: 3, output: HOSTILE }],
      };
      r.source = { kind: "git", name: "repo", ref: HOSTILE, commit: null };
    });
    for (const path of ["/", `/builds/${b.id}`]) {
      const { html } = await page(path, api);
      expect(html, path).not.toContain("<img");
      expect(html, path).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    }
  });
});

describe("GET /v1/builds filters (trigger, q)", () => {
  it("filters by trigger and searches ids, tags, refs and commit prefixes", async () => {
    const a = await submit({ target: "worker", ref: "v0.11.0", tags: ["alpha"] });
    const b = await submit({ target: "tiny", tags: ["beta"] });
    await t.store.update(a.id, (r) => {
      r.source = {
        kind: "git",
        name: "repo",
        ref: "v0.11.0",
        commit: "3382f4a0123456789abcdef0123456789abcdef0",
      };
    });
    await t.end(b.id, "failed");
    const retried = await t.app.request(`/v1/builds/${b.id}/retry`, { method: "POST", headers: api });
    const r = (await retried.json()) as BuildRecord;
    const ids = async (query: string) => {
      const res = await t.app.request(`/v1/builds?${query}`, { headers: read });
      expect(res.status, query).toBe(200);
      return ((await res.json()) as { builds: BuildRecord[] }).builds.map((x) => x.id);
    };
    expect(await ids("trigger=retry")).toEqual([r.id]);
    expect(await ids("trigger=api")).toEqual([b.id, a.id]);
    expect(await ids("q=ALPHA")).toEqual([a.id]);
    expect(await ids("q=3382f4a")).toEqual([a.id]);
    expect(await ids("q=382f4a")).toEqual([]); // a commit matches by its start only
    expect(await ids("q=v0.11")).toEqual([a.id]);
    expect(await ids(`q=${b.id.slice(-6)}`)).toEqual([b.id]);
    expect(await ids("q=beta&trigger=retry")).toEqual([r.id]);
    expect(await ids("limit=1&q=beta")).toEqual([r.id]);
    const bad = await t.app.request("/v1/builds?trigger=cron", { headers: read });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("trigger");
  });

  it("the console applies the same filters and says when one is not valid", async () => {
    const a = await submit({ target: "worker", tags: ["alpha"] });
    const b = await submit({ target: "tiny", tags: ["beta"] });
    const html = (await page("/?target=tiny&status=&trigger=&q=", read)).html;
    expect(html).toContain(`data-id="${b.id}"`);
    expect(html).not.toContain(`data-id="${a.id}"`);
    const bad = (await page("/?status=sleeping", read)).html;
    expect(bad).toContain("Filters ignored: status");
    expect(bad).toContain(`data-id="${a.id}"`);
  });
});

describe("the build page's stream", () => {
  it("carries the build's events and its parts re-rendered on each change, escaped", async () => {
    const b = await submit({ target: "tiny", buildArgs: { NOTE: HOSTILE } });
    const res = await t.app.request(`/builds/${b.id}/events`, {
      headers: { ...basic(READ_TOKEN), accept: "text/event-stream" },
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const frames: { event: string; data: string }[] = [];
    const reading = (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buf += value;
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (event && data) frames.push({ event, data });
        }
      }
    })();
    const parts = () =>
      frames.filter((f) => f.event === "parts").map((f) => JSON.parse(f.data) as Record<string, string>);
    await waitFor(() => parts().length === 1, { what: "the parts of the page as it is now" });
    expect(Object.keys(parts()[0]!).sort()).toEqual(["build-head", "facts", "image", "phases", "smoke"]);
    await t.run(b.id);
    await waitFor(() => parts().length === 2, { what: "parts after the status change" });
    expect(parts()[1]!["build-head"]).toContain('data-status="running"');
    await t.store.update(b.id, (r) => {
      r.digest = `sha256:${"a".repeat(64)}`;
    });
    await t.end(b.id, "succeeded");
    await reading;
    const last = parts().at(-1)!;
    expect(last["build-head"]).toContain('data-status="succeeded"');
    expect(last.image).toContain(`sha256:${"a".repeat(64)}`);
    expect(last.facts).toContain("&lt;img src=x");
    expect(last.facts).not.toContain("<img");
    // The read token's parts have no buttons; the last frame is the end event, after the final parts.
    expect(last["build-head"]).not.toContain("data-action");
    expect(frames.at(-1)!.event).toBe("end");
    expect(frames.at(-2)!.event).toBe("parts");
  });
});

describe("console writes", () => {
  it("a write with Basic credentials must come from the console's own origin (Fetch Metadata)", async () => {
    const b = await submit({ target: "tiny" });
    const cancel = (headers: Record<string, string>) =>
      t.app.request(`/builds/${b.id}/cancel`, { method: "POST", headers });
    const cross = await cancel({ ...basic(API_TOKEN), "sec-fetch-site": "cross-site" });
    expect(cross.status).toBe(403);
    expect(await cross.text()).toContain("Sec-Fetch-Site: cross-site");
    expect((await cancel({ ...basic(READ_TOKEN), "sec-fetch-site": "same-origin" })).status).toBe(403);
    expect((await cancel({ ...basic(API_TOKEN), "sec-fetch-site": "same-origin" })).status).toBe(202);
  });

  it("console routes challenge with Basic only; the API offers Bearer too", async () => {
    const page401 = await t.app.request("/builds/b_x/events");
    expect(page401.status).toBe(401);
    expect(page401.headers.get("www-authenticate")).toMatch(/^Basic realm="comfyume-builder"/);
    const api401 = await t.app.request("/v1/builds");
    expect(api401.headers.get("www-authenticate")).toMatch(/^Bearer realm=.*Basic realm=/);
  });

  it("the log downloads as a file", async () => {
    const b = await submit({ target: "tiny" });
    await t.store.appendLog(b.id, [{ stream: "stdout", line: HOSTILE }]);
    const res = await t.app.request(`/builds/${b.id}/log`, { headers: read });
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${b.id}.log"`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    // The service's own first line, then the build's, as it printed them.
    expect(await res.text()).toBe(
      `queued build of target tiny from the directory source local as 127.0.0.1:5001/test/tiny:latest (trigger api)\n${HOSTILE}\n`,
    );
  });
});
