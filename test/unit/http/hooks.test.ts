import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyGithubSignature } from "../../../builder/src/http/routes/hooks.js";
import { api, createTestApp, json, read, WEBHOOK_SECRET, type TestApp } from "./test-app.js";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

const sign = (body: string, secret = WEBHOOK_SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const pushBody = JSON.stringify({
  ref: "refs/heads/main",
  after: "a".repeat(40),
  repository: { full_name: "ahelme/comfyume-v1" },
});

/** Builds the service has recorded (a refused hook records none). */
const stored = async () => (await t.store.list({ limit: 50 })).builds;

function hook(body: string, headers: Record<string, string>) {
  return t.app.request("/v1/hooks/github", { method: "POST", headers: { ...json, ...headers }, body });
}

describe("verifyGithubSignature", () => {
  it.each([
    [sign("x"), true],
    [sign("x").toUpperCase().replace("SHA256=", "sha256="), true],
    [sign("y"), false],
    [sign("x", "other"), false],
    ["sha256=abc", false],
    ["sha1=" + "0".repeat(40), false],
    [undefined, false],
  ])("%s → %s", (header, ok) => {
    expect(verifyGithubSignature(WEBHOOK_SECRET, Buffer.from("x"), header)).toBe(ok);
  });
});

describe("POST /v1/hooks/github", () => {
  it("a valid push starts builds and answers 202 with them; a replayed delivery starts nothing", async () => {
    const headers = {
      "x-hub-signature-256": sign(pushBody),
      "x-github-delivery": "d-1",
      "x-github-event": "push",
    };
    const res = await hook(pushBody, headers);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { builds: { id: string }[] };
    expect(body.builds, JSON.stringify(body)).toHaveLength(1);
    const again = await hook(pushBody, headers);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ builds: [], duplicate: true });
    expect(await stored()).toMatchObject([
      {
        id: body.builds[0]!.id,
        target: "worker",
        trigger: { kind: "webhook", delivery: "d-1" },
        source: { kind: "git", ref: "main", commit: "a".repeat(40) },
      },
    ]);
  });

  it("signature is over the raw bytes: re-serialised JSON does not verify", async () => {
    const pretty = JSON.stringify(JSON.parse(pushBody), null, 2);
    const res = await hook(pretty, {
      "x-hub-signature-256": sign(pushBody),
      "x-github-delivery": "d-2",
      "x-github-event": "push",
    });
    expect(res.status).toBe(401);
    expect(await stored()).toHaveLength(0);
  });

  it.each([
    ["missing signature", {}, 401],
    ["bad signature", { "x-hub-signature-256": sign("other") }, 401],
    ["empty delivery id", { "x-hub-signature-256": sign(pushBody), "x-github-delivery": "" }, 400],
    [
      "bad event name",
      { "x-hub-signature-256": sign(pushBody), "x-github-delivery": "d", "x-github-event": "Push;rm" },
      400,
    ],
  ])("%s → %s, nothing reaches the service", async (_n, headers, status) => {
    const res = await hook(pushBody, { "x-github-delivery": "d-3", "x-github-event": "push", ...headers });
    expect(res.status).toBe(status);
    expect(await stored()).toHaveLength(0);
  });

  it("non-push events are acknowledged and ignored", async () => {
    const body = JSON.stringify({ zen: "hi" });
    const res = await hook(body, {
      "x-hub-signature-256": sign(body),
      "x-github-delivery": "d-4",
      "x-github-event": "ping",
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ builds: [], ignored: expect.stringContaining("ping") });
  });

  it("a signed body that is not a JSON object is 400", async () => {
    for (const body of ["[1]", "nope", "null"]) {
      const res = await hook(body, {
        "x-hub-signature-256": sign(body),
        "x-github-delivery": "d-5",
        "x-github-event": "push",
      });
      expect(res.status).toBe(400);
    }
  });

  it("without BUILDER_WEBHOOK_SECRET webhooks are refused with a message saying so", async () => {
    const off = await createTestApp({ webhookSecret: undefined });
    const res = await off.app.request("/v1/hooks/github", { method: "POST", body: pushBody });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /BUILDER_WEBHOOK_SECRET/,
    );
    await off.cleanup();
  });
});

describe("POST /v1/hooks/schedule", () => {
  const schedule = (body: string | undefined, headers: Record<string, string> = api) =>
    t.app.request("/v1/hooks/schedule", {
      method: "POST",
      headers: { ...json, ...headers },
      ...(body === undefined ? {} : { body }),
    });

  it("with no body rebuilds the schedule targets; with targets and ref, those", async () => {
    const all = await schedule(undefined);
    expect(all.status).toBe(202);
    expect(((await all.json()) as { builds: unknown[] }).builds.length).toBeGreaterThan(0);
    const some = await schedule(JSON.stringify({ targets: ["tiny"], ref: "v1" }));
    expect(((await some.json()) as { builds: { target: string; trigger: unknown }[] }).builds).toMatchObject([
      { target: "tiny", trigger: { kind: "schedule" } },
    ]);
  });

  it.each([['{"targets":"tiny"}'], ['{"ref":"-x"}'], ['{"other":1}'], ['{"changedOnly":"yes"}'], ["{"]])(
    "%s → 400",
    async (body) => {
      expect((await schedule(body)).status).toBe(400);
    },
  );

  it("needs the API token (read token → 403)", async () => {
    expect((await schedule(undefined, read)).status).toBe(403);
  });
});

describe("POST /v1/hooks/github: GitHub's form content type", () => {
  const form = (payload: string) => `payload=${encodeURIComponent(payload)}`;
  const formHeaders = (body: string, delivery: string) => ({
    "content-type": "application/x-www-form-urlencoded",
    "x-hub-signature-256": sign(body),
    "x-github-delivery": delivery,
    "x-github-event": "push",
  });

  it("payload=<urlencoded JSON>, signed over the form body as sent, is accepted", async () => {
    const body = form(pushBody);
    const res = await t.app.request("/v1/hooks/github", {
      method: "POST",
      headers: formHeaders(body, "f-1"),
      body,
    });
    expect(res.status).toBe(202);
    expect(await stored()).toMatchObject([
      { trigger: { kind: "webhook", delivery: "f-1" }, source: { commit: "a".repeat(40) } },
    ]);
  });

  it("a form body signed as if it were the JSON inside it is 401", async () => {
    const body = form(pushBody);
    const res = await t.app.request("/v1/hooks/github", {
      method: "POST",
      headers: { ...formHeaders(body, "f-2"), "x-hub-signature-256": sign(pushBody) },
      body,
    });
    expect(res.status).toBe(401);
    expect(await stored()).toHaveLength(0);
  });

  it.each([
    ["no payload field", "other=1"],
    ["two payload fields", `${form(pushBody)}&${form(pushBody)}`],
    ["a payload that is not JSON", "payload=%7Bnope"],
  ])("%s → 400", async (_n, body) => {
    const res = await t.app.request("/v1/hooks/github", {
      method: "POST",
      headers: formHeaders(body, "f-3"),
      body,
    });
    expect(res.status).toBe(400);
    expect(await stored()).toHaveLength(0);
  });

  it("another content type is 415, before the body is read", async () => {
    const res = await hook(pushBody, {
      "content-type": "text/plain",
      "x-hub-signature-256": sign(pushBody),
      "x-github-delivery": "f-4",
      "x-github-event": "push",
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      "application/x-www-form-urlencoded",
    );
  });
});

describe("POST /v1/hooks/github: bounded intake of unauthenticated bodies", () => {
  const limits = { maxBodyBytes: 1000, maxConcurrent: 2, maxInFlightBytes: 1500, readTimeoutMs: 300 };
  const headers = (extra: Record<string, string> = {}) => ({
    ...json,
    "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
    "x-github-delivery": "i-1",
    "x-github-event": "push",
    ...extra,
  });
  /**
   * A body that sends `first` bytes and then nothing more until finished; `reading`
   * resolves once the server has asked for more than the first chunk (it holds the body).
   */
  function stalled(first: number): { body: ReadableStream<Uint8Array>; reading: Promise<void> } {
    let started!: () => void;
    const reading = new Promise<void>((r) => (started = r));
    let sent = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (!sent) {
            sent = true;
            controller.enqueue(new Uint8Array(first));
            return;
          }
          started();
          // Never closes: the server must give up on its own.
          return new Promise<void>(() => undefined);
        },
      },
      { highWaterMark: 0 },
    );
    return { body, reading };
  }
  const send = (app: TestApp["app"], body: BodyInit, extra: Record<string, string> = {}) =>
    app.request(
      // duplex is required by undici for a stream body but missing from TypeScript's RequestInit.
      new Request("http://x/v1/hooks/github", {
        method: "POST",
        headers: headers(extra),
        body,
        duplex: "half",
      } as RequestInit),
    );

  it("a declared body over the cap is 413 without being read", async () => {
    const small = await createTestApp({ webhookIntake: limits });
    const res = await send(small.app, "x".repeat(1001));
    expect(res.status).toBe(413);
    await small.cleanup();
  });

  it("a body without Content-Length is cut at the cap (413)", async () => {
    const small = await createTestApp({ webhookIntake: limits });
    const res = await send(small.app, stalled(1200).body);
    expect(res.status).toBe(413);
    await small.cleanup();
  });

  it("bodies beyond the concurrency or byte budget are 429 with Retry-After at once; a slow one times out (408)", async () => {
    const small = await createTestApp({ webhookIntake: limits });
    const a = stalled(10);
    const first = send(small.app, a.body, { "content-length": "1000" });
    await a.reading;
    // 1000 bytes held; 600 more would pass the 1500-byte budget.
    const tooMuch = await send(small.app, "x".repeat(600));
    expect(tooMuch.status).toBe(429);
    expect(tooMuch.headers.get("retry-after")).toBe("1");
    const b = stalled(10);
    const second = send(small.app, b.body);
    await b.reading;
    const third = await send(small.app, "{}");
    expect(third.status).toBe(429);
    expect((await first).status).toBe(408);
    expect((await second).status).toBe(408);
    // Once they are gone, a body fits again (and, being unsigned, is 401).
    expect((await send(small.app, "x".repeat(600))).status).toBe(401);
    await small.cleanup();
  });
});
