import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EnvError } from "../../../builder/src/config/env.js";
import { buildNotifyRequests, buildNotifySettings } from "../../../builder/src/notify/notifier.js";
import { describeTarget } from "../../../builder/src/notify/notify-request.js";
import {
  buildNtfyRequest,
  buildNtfyText,
  formatDuration,
  parseNtfyUrl,
} from "../../../builder/src/notify/ntfy-message.js";
import { buildWebhookRequest, signWebhookBody } from "../../../builder/src/notify/webhook-message.js";
import { endedRecord } from "./record-fixture.js";

describe("signWebhookBody", () => {
  it.each([
    ["", "k"],
    ['{"event":"build.ended"}', "It's a Secret to Everybody"],
    ["ünïcödé ✓", "s3cr3t"],
  ])("%j with %j is sha256= + hex HMAC of the UTF-8 bytes", (body, secret) => {
    const want = createHmac("sha256", secret).update(Buffer.from(body, "utf8")).digest("hex");
    expect(signWebhookBody(body, secret)).toBe(`sha256=${want}`);
  });

  it("matches GitHub's documented example", () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    expect(signWebhookBody("Hello, World!", "It's a Secret to Everybody")).toBe(
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    );
  });
});

describe("buildWebhookRequest", () => {
  const record = endedRecord();
  it.each([
    ["without a secret", undefined],
    ["with a secret", "hook-secret-123"],
  ])("%s", (_name, secret) => {
    const req = buildWebhookRequest(record, {
      url: "https://hooks.example/x",
      deliveryId: "d-1",
      ...(secret ? { secret } : {}),
    });
    expect(req.kind).toBe("webhook");
    expect(req.url).toBe("https://hooks.example/x");
    expect(JSON.parse(req.body)).toEqual({ event: "build.ended", build: record });
    expect(req.headers).toMatchObject({
      "content-type": "application/json",
      "x-builder-event": "build.ended",
      "x-builder-delivery": "d-1",
    });
    expect(req.headers["x-builder-signature-256"]).toBe(
      secret ? signWebhookBody(req.body, secret) : undefined,
    );
    expect(JSON.stringify(req.headers)).not.toContain(secret ?? "\u0000");
  });
});

describe("parseNtfyUrl", () => {
  it.each([
    ["builds", "https://ntfy.sh", "https://ntfy.sh/builds"],
    ["my_builds-01", "https://ntfy.example/", "https://ntfy.example/my_builds-01"],
    ["  builds ", "http://127.0.0.1:8090//", "http://127.0.0.1:8090/builds"],
    ["https://ntfy.example/builds", "https://ntfy.sh", "https://ntfy.example/builds"],
    ["http://127.0.0.1:9/t?x=1", "ignored", "http://127.0.0.1:9/t?x=1"],
  ])("%j on %j -> %j", (topic, server, want) => expect(parseNtfyUrl(topic, server)).toBe(want));

  it.each([
    ["has space", "https://ntfy.sh", /^NTFY_TOPIC \(value not shown\): use a topic name/],
    ["a/b", "https://ntfy.sh", /NTFY_TOPIC/],
    ["x".repeat(65), "https://ntfy.sh", /1-64/],
    ["https://ntfy.sh/", "https://ntfy.sh", /must name a topic/],
    ["builds", "ntfy.sh", /NTFY_SERVER="ntfy.sh"/],
  ])("%j on %j is an EnvError", (topic, server, message) => {
    expect(() => parseNtfyUrl(topic, server)).toThrow(EnvError);
    expect(() => parseNtfyUrl(topic, server)).toThrow(message);
    // The topic is a secret (anyone who knows it can read the notifications).
    if (server !== "ntfy.sh") expect(() => parseNtfyUrl(topic, server)).not.toThrow(JSON.stringify(topic));
  });
});

describe("formatDuration", () => {
  it.each([
    [null, undefined],
    [undefined, undefined],
    [400, "0s"],
    [59_400, "59s"],
    [83_000, "1m 23s"],
    [3_725_000, "1h 2m"],
  ])("%j -> %j", (ms, want) => expect(formatDuration(ms)).toBe(want));
});

describe("buildNtfyRequest", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  it.each([
    {
      name: "succeeded",
      record: endedRecord(),
      priority: "default",
      tags: "white_check_mark",
      text: `worker succeeded in 1m 23s (build b_01NOTIFY)\ndigest ${digest}\npushed: ghcr.io/ahelme/comfyume-worker:v0.11.0, ghcr.io/ahelme/comfyume-worker:sha-3382f4a`,
    },
    {
      name: "succeeded without push",
      record: endedRecord({ push: false, digest: null, tags: ["local/x:1"], durationMs: null }),
      priority: "default",
      tags: "white_check_mark",
      text: "worker succeeded (build b_01NOTIFY)\ntags: local/x:1",
    },
    {
      name: "failed",
      record: endedRecord({
        status: "failed",
        digest: null,
        error: { code: "SMOKE_FAILED", message: "1 of 2 smoke tests failed: cuda" },
      }),
      priority: "high",
      tags: "x",
      text: "worker failed in 1m 23s (build b_01NOTIFY)\nSMOKE_FAILED: 1 of 2 smoke tests failed: cuda",
    },
    {
      name: "cancelled",
      record: endedRecord({ status: "cancelled", error: { code: "CANCELLED", message: "cancelled by api" } }),
      priority: "default",
      tags: "warning",
      text: "worker cancelled in 1m 23s (build b_01NOTIFY)\nCANCELLED: cancelled by api",
    },
    {
      name: "interrupted on its last attempt",
      record: endedRecord({
        status: "interrupted",
        attempt: 2,
        error: { code: "INTERRUPTED", message: "lease expired" },
      }),
      priority: "high",
      tags: "warning",
      text: "worker interrupted in 1m 23s (build b_01NOTIFY)\nINTERRUPTED: lease expired\nattempt 2",
    },
  ])("$name", ({ record, priority, tags, text }) => {
    const req = buildNtfyRequest(record, "https://ntfy.sh/builds");
    expect(req).toEqual({
      kind: "ntfy",
      url: "https://ntfy.sh/builds",
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "user-agent": "comfyume-builder",
        title: `comfyume-builder: worker ${record.status}`,
        priority,
        tags,
      },
      body: text,
    });
  });

  it("keeps headers ASCII and the body short", () => {
    const record = endedRecord({
      target: "wörker",
      status: "failed",
      error: { code: "BUILD_FAILED", message: "x".repeat(5000) },
    });
    const req = buildNtfyRequest(record, "https://ntfy.sh/builds");
    expect(req.headers.title).toBe("comfyume-builder: w?rker failed");
    expect(buildNtfyText(record).length).toBeLessThan(1000);
    expect(req.body.endsWith("…")).toBe(true);
  });
});

describe("buildNotifySettings and buildNotifyRequests", () => {
  const base = { NTFY_SERVER: "https://ntfy.sh" } as const;
  it.each([
    [{ ...base }, []],
    [{ ...base, BUILDER_NOTIFY_URL: "https://h.example/hook" }, ["webhook:https://h.example/hook"]],
    [{ ...base, NTFY_TOPIC: "builds" }, ["ntfy:https://ntfy.sh/builds"]],
    [
      { ...base, BUILDER_NOTIFY_URL: "http://a/h", BUILDER_NOTIFY_SECRET: "s", NTFY_TOPIC: "http://b/t" },
      ["webhook:http://a/h", "ntfy:http://b/t"],
    ],
  ])("%j -> %j", (env, want) => {
    const reqs = buildNotifyRequests(endedRecord(), buildNotifySettings(env), "d");
    expect(reqs.map((r) => `${r.kind}:${r.url}`)).toEqual(want);
  });

  it("signs only with a secret", () => {
    const [hook] = buildNotifyRequests(
      endedRecord(),
      buildNotifySettings({ ...base, BUILDER_NOTIFY_URL: "http://a/h", BUILDER_NOTIFY_SECRET: "s" }),
      "d",
    );
    expect(hook?.headers["x-builder-signature-256"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("rejects a bad NTFY_TOPIC up front", () => {
    expect(() => buildNotifySettings({ ...base, NTFY_TOPIC: "no such/topic" })).toThrow(EnvError);
  });
});

describe("describeTarget", () => {
  it.each([
    ["https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com"],
    ["http://127.0.0.1:8090/secret-topic?auth=tok", "http://127.0.0.1:8090"],
    ["not a url", "(invalid url)"],
  ])("%j -> %j (no path, no query)", (url, want) => expect(describeTarget(url)).toBe(want));
});
