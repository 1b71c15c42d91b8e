// End to end: the real `comfyume-builder run` of a small busybox target, with the
// webhook and ntfy pointed at local receivers. Each gets exactly one notification, with
// the final record, before the process exits; the secret never reaches the output.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEngineFixture, type EngineFixture } from "../engine/engine-fixture.js";
import { startReceiver, type Receiver } from "./receiver.js";

const SECRET = `notify-e2e-${process.pid}-secret`;
let fx: EngineFixture;
let hook: Receiver;
let ntfy: Receiver;

beforeAll(async () => {
  fx = await createEngineFixture();
  await fx.target("notified", "RUN echo notified > /notified");
  hook = await startReceiver(() => ({ status: 200 }));
  ntfy = await startReceiver(() => ({ status: 200 }));
});

afterAll(async () => {
  await hook?.close();
  await ntfy?.close();
  await fx?.cleanup();
});

it("a run sends one signed webhook and one ntfy message before it exits", async () => {
  const res = await fx.run(["notified"], {
    BUILDER_NOTIFY_URL: `${hook.url}/builds/ended`,
    BUILDER_NOTIFY_SECRET: SECRET,
    NTFY_TOPIC: `${ntfy.url}/comfyume-e2e`,
  });
  expect(res.code, res.stderr).toBe(0);
  const record = res.record!;
  expect(record.status).toBe("succeeded");

  expect(hook.received).toHaveLength(1);
  const [got] = hook.received;
  expect(got!.path).toBe("/builds/ended");
  expect(got!.headers["x-builder-event"]).toBe("build.ended");
  const signature = `sha256=${createHmac("sha256", SECRET).update(got!.raw).digest("hex")}`;
  expect(got!.headers["x-builder-signature-256"]).toBe(signature);
  const body = JSON.parse(got!.raw.toString("utf8")) as { event: string; build: typeof record };
  expect(body.event).toBe("build.ended");
  expect(body.build).toMatchObject({
    id: record.id,
    target: "notified",
    status: "succeeded",
    digest: record.digest,
    tags: record.tags,
  });

  expect(ntfy.received).toHaveLength(1);
  const [msg] = ntfy.received;
  expect(msg!.path).toBe("/comfyume-e2e");
  expect(msg!.headers).toMatchObject({
    title: "comfyume-builder: notified succeeded",
    priority: "default",
    tags: "white_check_mark",
  });
  const text = msg!.raw.toString("utf8");
  expect(text).toMatch(new RegExp(`^notified succeeded in \\d+s \\(build ${record.id}\\)\\n`));
  expect(text).toContain(`digest ${record.digest!}`);
  expect(text).toContain(record.tags[0]!);

  expect(res.stderr).toContain('"msg":"build notification sent"');
  expect(res.stderr + res.stdout).not.toContain(SECRET);
  expect(await fx.dataText()).not.toContain(SECRET);
});
