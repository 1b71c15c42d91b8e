// Notifications against real local HTTP receivers: signature over the raw body, retries
// on 503/429 and refused connections, a receiver that never answers, and the flush bound.
// (Which ends are announced, once across replicas, is the job layer's: test/integration/jobs.)
import { createHmac, timingSafeEqual } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { DeliveryPolicy } from "../../../builder/src/notify/deliver.js";
import { buildNotifySettings, createNotifier, type Notifier } from "../../../builder/src/notify/notifier.js";
import { endedRecord } from "../../unit/notify/record-fixture.js";
import { memoryLogger, startReceiver, type Receiver } from "./receiver.js";

const SECRET = "notify-secret-0123456789";
const FAST: DeliveryPolicy = { attempts: 4, baseMs: 20, maxMs: 200, timeoutMs: 2_000, budgetMs: 10_000 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(answer: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(answer);
  cleanups.push(() => r.close());
  return r;
}

function notifier(env: Parameters<typeof buildNotifySettings>[0], policy = FAST) {
  const logger = memoryLogger();
  const n: Notifier = createNotifier(buildNotifySettings(env, policy), logger);
  cleanups.push(() => n.close(1_000));
  return { n, logger };
}

function verify(raw: Buffer, header: string | string[] | undefined, secret: string): boolean {
  const want = Buffer.from(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`);
  const got = Buffer.from(String(header));
  return got.length === want.length && timingSafeEqual(got, want);
}

describe("webhook delivery", () => {
  it("POSTs the record once, signed over the raw body, and logs without the secret", async () => {
    const hook = await receiver(() => ({ status: 204 }));
    const { n, logger } = notifier({
      NTFY_SERVER: "https://ntfy.sh",
      BUILDER_NOTIFY_URL: `${hook.url}/hooks/secret-path?token=t0k3n`,
      BUILDER_NOTIFY_SECRET: SECRET,
    });
    const record = endedRecord({ target: "wörker ✓" });
    n.notify(record);
    await n.flush();
    expect(hook.received).toHaveLength(1);
    const [got] = hook.received;
    expect(got!.method).toBe("POST");
    expect(got!.path).toBe("/hooks/secret-path?token=t0k3n");
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(got!.headers["x-builder-event"]).toBe("build.ended");
    expect(got!.headers["x-builder-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(verify(got!.raw, got!.headers["x-builder-signature-256"], SECRET)).toBe(true);
    expect(verify(got!.raw, got!.headers["x-builder-signature-256"], "another-secret")).toBe(false);
    expect(JSON.parse(got!.raw.toString("utf8"))).toEqual({ event: "build.ended", build: record });
    expect(logger.lines).toEqual([
      {
        level: "info",
        msg: "build notification sent",
        fields: expect.objectContaining({ kind: "webhook", attempts: 1, target: hook.url }),
      },
    ]);
    expect(logger.text()).not.toContain(SECRET);
    expect(logger.text()).not.toContain("secret-path");
    expect(logger.text()).not.toContain("t0k3n");
  });

  it("retries two 503s with the same delivery id, then succeeds", async () => {
    const hook = await receiver((_req, n) => ({ status: n <= 2 ? 503 : 200 }));
    const { n, logger } = notifier({ NTFY_SERVER: "x", BUILDER_NOTIFY_URL: `${hook.url}/h` });
    n.notify(endedRecord());
    await n.flush();
    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((r) => r.headers["x-builder-delivery"])).size).toBe(1);
    expect(logger.lines[0]).toMatchObject({ level: "info", fields: { attempts: 3 } });
  });

  it("honours Retry-After on a 429 and gives up on a 400 at once", async () => {
    const limited = await receiver((_req, n) =>
      n === 1 ? { status: 429, headers: { "retry-after": "0" } } : { status: 200 },
    );
    const bad = await receiver(() => ({ status: 400 }));
    const a = notifier({ NTFY_SERVER: "x", BUILDER_NOTIFY_URL: `${limited.url}/h` });
    const b = notifier({ NTFY_SERVER: "x", BUILDER_NOTIFY_URL: `${bad.url}/h` });
    a.n.notify(endedRecord());
    b.n.notify(endedRecord());
    await Promise.all([a.n.flush(), b.n.flush()]);
    expect(limited.received).toHaveLength(2);
    expect(bad.received).toHaveLength(1);
    expect(b.logger.lines[0]).toMatchObject({ level: "warn", fields: { attempts: 1, error: "HTTP 400" } });
  });

  it("times out a receiver that never answers, retries, and reports the failure", async () => {
    const hang = await receiver(() => "hang");
    const { n, logger } = notifier(
      { NTFY_SERVER: "x", BUILDER_NOTIFY_URL: `${hang.url}/h` },
      { attempts: 2, baseMs: 20, maxMs: 50, timeoutMs: 300, budgetMs: 5_000 },
    );
    const started = Date.now();
    n.notify(endedRecord());
    await n.flush();
    const took = Date.now() - started;
    expect(hang.received).toHaveLength(2);
    expect(took).toBeGreaterThanOrEqual(600);
    expect(took).toBeLessThan(3_000);
    expect(logger.lines[0]).toMatchObject({
      level: "warn",
      msg: "build notification failed",
      fields: { attempts: 2, error: "no answer within 300 ms" },
    });
  });

  it("retries a refused connection within the budget", async () => {
    const gone = await receiver(() => ({ status: 200 }));
    const url = `${gone.url}/h`;
    await gone.close();
    const { n, logger } = notifier(
      { NTFY_SERVER: "x", BUILDER_NOTIFY_URL: url },
      { attempts: 3, baseMs: 20, maxMs: 50, timeoutMs: 1_000, budgetMs: 5_000 },
    );
    n.notify(endedRecord());
    await n.flush();
    expect(logger.lines[0]).toMatchObject({ level: "warn", fields: { attempts: 3 } });
    expect(String(logger.lines[0]!.fields.error)).toContain("ECONNREFUSED");
  });

  it("flush() is bounded: what is still in flight is abandoned and logged", async () => {
    const hang = await receiver(() => "hang");
    const { n, logger } = notifier(
      { NTFY_SERVER: "x", BUILDER_NOTIFY_URL: `${hang.url}/h` },
      { attempts: 3, baseMs: 20, maxMs: 50, timeoutMs: 20_000, budgetMs: 25_000 },
    );
    n.notify(endedRecord());
    const started = Date.now();
    await n.flush(300);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logger.lines.map((l) => l.msg)).toEqual([
      "build notifications still in flight; abandoning them",
      "build notification failed",
    ]);
    expect(String(logger.lines[1]!.fields.error)).toContain("abandoned at shutdown");
    expect(hang.received).toHaveLength(1);
  });
});

describe("ntfy delivery", () => {
  it.each([
    [
      "a full topic URL",
      (url: string) => ({ NTFY_TOPIC: `${url}/builds-it`, NTFY_SERVER: "https://unused.example" }),
    ],
    ["a topic name on NTFY_SERVER", (url: string) => ({ NTFY_TOPIC: "builds-it", NTFY_SERVER: `${url}/` })],
  ])("POSTs a plain-text message to %s", async (_name, env) => {
    const ntfy = await receiver(() => ({ status: 200 }));
    const { n } = notifier(env(ntfy.url));
    n.notify(endedRecord({ status: "failed", error: { code: "BUILD_FAILED", message: "RUN exited 1" } }));
    await n.flush();
    expect(ntfy.received).toHaveLength(1);
    const [got] = ntfy.received;
    expect(got!.path).toBe("/builds-it");
    expect(got!.headers).toMatchObject({
      title: "comfyume-builder: worker failed",
      priority: "high",
      tags: "x",
    });
    expect(got!.raw.toString("utf8")).toBe(
      "worker failed in 1m 23s (build b_01NOTIFY)\nBUILD_FAILED: RUN exited 1",
    );
  });
});
