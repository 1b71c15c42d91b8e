// The app server's nginx relay (deploy/nginx/), run in a real nginx in front of a Verda
// gateway stand-in and a real builder. GitHub must get its answer at once (it waits 10 s
// and never redelivers by itself) while the delivery still reaches a builder that is cold
// (the gateway answers 503) and then slow (the gateway holds the request longer than
// GitHub would wait); the builder itself checks the signature over the body it receives.
// The operator console and API go through the same relay with the browser's credentials
// moved to X-Builder-Authorization, past the workshop's own HTTP Basic auth.
import { createHmac, randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_TOKEN,
  READ_TOKEN,
  WEBHOOK_SECRET,
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { startGatewayStandIn, type GatewayStandIn } from "../../helpers/gateway-stand-in.js";
import { startNginxRelay, type NginxRelay } from "../../helpers/nginx-relay.js";
import { waitFor } from "../../helpers/wait-for.js";
import { cli, countLines } from "../trigger/trigger-fixture.js";

const KEY = "dc_relay_test_inference_key";
const GITHUB_TIMEOUT_MS = 10_000;

let fx: BuilderFixture;
let builder: InProcessBuilder;
const gateways: GatewayStandIn[] = [];
const relays: NginxRelay[] = [];

beforeAll(async () => {
  fx = await createBuilderFixture();
  builder = await startBuilder(fx);
});
afterAll(async () => {
  for (const r of relays) await r.stop();
  for (const g of gateways) await g.close();
  await builder?.stop();
  await fx?.cleanup();
});

async function relayTo(gateway: { coldMs?: number; holdMs?: number }) {
  const gw = await startGatewayStandIn({ upstream: builder.url, ...gateway });
  gateways.push(gw);
  const relay = await startNginxRelay({ builderUrl: gw.url, inferenceKey: KEY });
  relays.push(relay);
  return { gw, relay };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** When the whole answer was in. */
  at: number;
}

/** One request on its own connection, closed as soon as the answer is read (as GitHub does). */
function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: opts.method ?? "GET", headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const answer = {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            at: Date.now(),
          };
          res.socket.destroy();
          resolve(answer);
        });
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** A GitHub delivery: `ping` (what GitHub sends when the webhook is created), padded to ~1 MB. */
function delivery(secret = WEBHOOK_SECRET) {
  const id = randomUUID();
  const body = Buffer.from(
    JSON.stringify({
      zen: "Keep it logically awesome — ünïcödé ✓",
      hook_id: 42,
      hook: { type: "Repository", events: ["push"], config: { content_type: "json" } },
      padding: "ab\u00e9\u2713".repeat(200_000),
    }),
  );
  const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  const headers = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/relay-test",
    "x-github-event": "ping",
    "x-github-delivery": id,
    "x-hub-signature-256": signature,
  };
  return { id, body, headers };
}

const hookLogs = (id: string) => builder.logs.filter((l) => l.msg === "github webhook" && l.delivery === id);

describe("the nginx relay", () => {
  it("answers GitHub 202 at once and delivers past a cold start, key added, body and signature intact", async () => {
    // 503 for 3 s, then every request held 11 s: longer than GitHub would wait.
    const { gw, relay } = await relayTo({ coldMs: 3000, holdMs: GITHUB_TIMEOUT_MS + 1000 });
    const d = delivery();
    const sent = Date.now();
    const answer = await send(`${relay.url}/hooks/builder/github`, {
      method: "POST",
      headers: d.headers,
      body: d.body,
    });
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ queued: true });
    expect(answer.at - sent).toBeLessThan(GITHUB_TIMEOUT_MS);
    // GitHub had its answer before the builder had the delivery.
    expect(hookLogs(d.id)).toHaveLength(0);

    // GitHub's connection is gone; the delivery still arrives, once, and the builder took its
    // signature over the bytes it received (it answers 401 and logs nothing otherwise).
    const [logged] = await waitFor(() => (hookLogs(d.id).length ? hookLogs(d.id) : undefined), {
      timeoutMs: 90_000,
      what: "the delivery to reach the builder",
    });
    expect(logged).toMatchObject({ event: "ping", builds: [] });
    expect(String(logged!.ignored)).toMatch(/not a push/);
    expect(logged!.duplicate).toBeUndefined();
    expect(gw.stats.coldRejections).toBeGreaterThan(0);
    expect(gw.stats.seen).toEqual([{ authorization: `Bearer ${KEY}` }]);
    const log = await waitFor(
      async () => {
        const text = await relay.errorLog();
        return text.includes(`delivery ${d.id}: the builder answered`) ? text : undefined;
      },
      { what: "the relay to log the delivery's outcome" },
    );
    expect(log).toContain(`delivery ${d.id}: HTTP 503 (attempt 1); asking again in 1 s`);
    expect(log).toMatch(new RegExp(`delivery ${d.id}: the builder answered HTTP 202 \\(attempt [2-9]`));
    await new Promise((r) => setTimeout(r, 500));
    expect(hookLogs(d.id)).toHaveLength(1);
  });

  it("does not retry a delivery the builder refuses (a bad signature is 401, once)", async () => {
    const { gw, relay } = await relayTo({});
    const d = delivery("not-the-webhook-secret");
    const answer = await send(`${relay.url}/hooks/builder/github`, {
      method: "POST",
      headers: d.headers,
      body: d.body,
    });
    expect(answer.status).toBe(202);
    const log = await waitFor(
      async () => {
        const text = await relay.errorLog();
        return text.includes(`delivery ${d.id}: the builder answered`) ? text : undefined;
      },
      { what: "the relay to log the refusal" },
    );
    expect(log).toContain(`delivery ${d.id}: the builder answered HTTP 401 (attempt 1,`);
    expect(gw.stats.requests).toBe(1);
    expect(hookLogs(d.id)).toHaveLength(0);
  });

  it("takes the operator console and API through with X-Builder-Authorization, past the workshop's auth", async () => {
    const { gw, relay } = await relayTo({});
    const basic = (token: string) => ({
      authorization: `Basic ${Buffer.from(`operator:${token}`).toString("base64")}`,
    });
    // The app server's own pages still ask for the workshop's credentials.
    const app = await send(`${relay.url}/`);
    expect(app.status).toBe(401);
    expect(app.headers["www-authenticate"]).toContain("ComfyuME Workshop");
    // The console: the builder asks for its own credentials, and takes the read token.
    const anonymous = await send(`${relay.url}/builder/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toContain('realm="comfyume-builder"');
    const page = await send(`${relay.url}/builder/`, { headers: basic(READ_TOKEN) });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    const list = await send(`${relay.url}/builder/v1/builds`, { headers: basic(READ_TOKEN) });
    expect(list.status).toBe(200);
    expect(Array.isArray(JSON.parse(list.body).builds)).toBe(true);
    // The read token may not start builds: the builder judged the token the browser sent.
    const write = await send(`${relay.url}/builder/v1/builds`, {
      method: "POST",
      headers: { ...basic(READ_TOKEN), "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ target: "quick" })),
    });
    expect(write.status).toBe(403);
    expect(gw.stats.seen.every((s) => s.authorization === `Bearer ${KEY}`)).toBe(true);

    // The operators' CLI through the relay: its bearer token rides in X-Builder-Authorization,
    // the build's live log streams through (SSE, unbuffered), each line once.
    const cwd = await mkdtemp(path.join(os.tmpdir(), "relay-cli-"));
    try {
      const nonce = randomUUID().slice(0, 8);
      const r = await cli(
        [
          "submit",
          "slow",
          `--build-arg=NONCE=${nonce}`,
          "--build-arg=LINES=3",
          "--build-arg=DELAY=0.5",
          "--no-push",
        ],
        { env: { BUILDER_URL: `${relay.url}/builder`, BUILDER_TOKEN: API_TOKEN }, cwd },
      );
      expect(r.code, r.stderr).toBe(0);
      const counts = countLines(r.stdout, new RegExp(`slow line \\d+ of 3 \\(${nonce}\\)`));
      expect([...counts.values()]).toEqual([1, 1, 1]);
      expect(r.stdout).toMatch(/==> build succeeded in /);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
