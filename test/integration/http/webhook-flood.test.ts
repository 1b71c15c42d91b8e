// Issue 9 item 5 replayed against a real `comfyume-builder serve`: unsigned (or wrongly
// signed) 24 MB webhook POSTs need no token, so their bodies must not be buffered without
// bound before the signature check. Ten at once must not grow the process's memory by
// hundreds of MB, /healthz must stay responsive, and a real delivery still gets through.
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  WEBHOOK_SECRET,
  createBuilderFixture,
  spawnBuilder,
  type BuilderFixture,
  type SpawnedBuilder,
} from "../../helpers/builder-server.js";

const MB = 1024 * 1024;
const BODY = Buffer.alloc(24 * MB, "a");
let fx: BuilderFixture;
let b: SpawnedBuilder;

beforeAll(async () => {
  fx = await createBuilderFixture();
  b = await spawnBuilder(fx);
});
afterAll(async () => {
  await b?.stop();
  await fx?.cleanup();
});

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

/** POSTs `body` with node:http, so a response sent before the body is consumed is still seen. */
function post(headers: Record<string, string>, body: Buffer): Promise<number | "reset"> {
  const url = new URL(`${b.url}/v1/hooks/github`);
  return new Promise((resolve) => {
    let status: number | undefined;
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { ...headers, "content-length": String(body.length) },
        agent: false,
      },
      (res) => {
        status = res.statusCode;
        res.resume();
        res.on("end", () => resolve(status!));
      },
    );
    // The server may close the connection once it answered without reading the rest: the
    // write then fails with EPIPE, on the request or (once the response ended) the socket.
    req.on("error", () => resolve(status ?? "reset"));
    req.on("socket", (socket) => socket.on("error", () => resolve(status ?? "reset")));
    req.end(body);
  });
}

/**
 * Sends the headers and the first 64 KiB of a body of `length` bytes, then waits for the
 * answer without sending more: only a request refused before its body is read is answered.
 */
function answeredBeforeBody(
  headers: Record<string, string>,
  length: number,
): Promise<{ status: number; connection?: string } | "no answer"> {
  const url = new URL(`${b.url}/v1/hooks/github`);
  return new Promise((resolve) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "POST",
      headers: { ...headers, "content-length": String(length) },
      agent: false,
    });
    const timer = setTimeout(() => {
      resolve("no answer");
      req.destroy();
    }, 5000);
    req.on("response", (res) => {
      clearTimeout(timer);
      resolve({
        status: res.statusCode!,
        ...(res.headers.connection ? { connection: res.headers.connection } : {}),
      });
      req.destroy();
    });
    req.on("error", () => undefined); // destroyed by us once answered (or timed out)
    req.write(Buffer.alloc(64 * 1024, "a"));
  });
}

const hookHeaders = (signature: string | undefined, delivery: string) => ({
  "content-type": "application/json",
  "x-github-delivery": delivery,
  "x-github-event": "push",
  ...(signature ? { "x-hub-signature-256": signature } : {}),
});

/** Samples RSS and /healthz latency until stopped. */
function watch(pid: number) {
  let peak = 0;
  let slowest = 0;
  let probes = 0;
  let running = true;
  const rss = (async () => {
    while (running) {
      peak = Math.max(peak, await rssBytes(pid));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const health = (async () => {
    while (running) {
      const t0 = performance.now();
      const res = await fetch(`${b.url}/healthz`);
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      slowest = Math.max(slowest, performance.now() - t0);
      probes += 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return async () => {
    running = false;
    await Promise.all([rss, health]);
    return { peak, slowest, probes };
  };
}

describe("webhook bodies nobody signed", () => {
  it("ten concurrent 24 MB POSTs with a wrong signature: 401 or 429, bounded memory, /healthz responsive, a real delivery still accepted", async () => {
    const pid = b.child.pid!;
    // Warm up the code paths with small bodies; the baseline is a builder that has not yet
    // held a large body.
    for (let i = 0; i < 3; i++)
      await post(hookHeaders(`sha256=${"0".repeat(64)}`, `warm-${i}`), Buffer.from("{}"));
    const baseline = await rssBytes(pid);
    const quiet = watch(pid);
    await new Promise((r) => setTimeout(r, 1000));
    const calm = await quiet();
    const stop = watch(pid);
    const wrong = `sha256=${"0".repeat(64)}`;
    const flood = Array.from({ length: 10 }, (_, i) => post(hookHeaders(wrong, `flood-${i}`), BODY));
    const ping = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const sig = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(ping).digest("hex")}`;
    const real = await post({ ...hookHeaders(sig, "real-1"), "x-github-event": "ping" }, Buffer.from(ping));
    const statuses = await Promise.all(flood);
    const { peak, slowest, probes } = await stop();
    const growthMb = (peak - baseline) / MB;
    console.log(
      `flood: statuses ${statuses.join(",")}; RSS ${(baseline / MB).toFixed(0)} → peak ${(peak / MB).toFixed(0)} MB (+${growthMb.toFixed(0)} MB); /healthz slowest ${slowest.toFixed(0)} ms over ${probes} probes (${calm.slowest.toFixed(0)} ms over ${calm.probes} without the flood); real delivery ${real}`,
    );
    // 429 is the refusal; "reset" is the same refusal when the connection was closed, unread,
    // before the client had read the answer (a loaded machine sends 24 MB slowly).
    expect(statuses.every((s) => s === 401 || s === 429 || s === "reset")).toBe(true);
    expect(statuses).toContain(401); // some bodies were read and their HMAC checked
    expect(statuses.filter((s) => s !== 401).length).toBeGreaterThan(0); // the rest were refused unread
    expect(real).toBe(202);
    expect(growthMb).toBeLessThan(150);
    expect(slowest).toBeLessThan(1000);
  });

  it("without a signature header: 401 before the body is read", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        answeredBeforeBody(hookHeaders(undefined, `nosig-${i}`), BODY.length),
      ),
    );
    // Answered, and the connection closed rather than the unread body drained.
    expect(statuses).toEqual(Array(10).fill({ status: 401, connection: "close" }));
  });

  it("a body declared over GitHub's 25 MB cap is 413 before it is read", async () => {
    expect(await answeredBeforeBody(hookHeaders(`sha256=${"0".repeat(64)}`, "big-1"), 25 * MB + 1)).toEqual({
      status: 413,
      connection: "close",
    });
  });
});
