// The dashboard in real Chromium: the read token as the HTTP Basic password, the build
// list, and a build page whose log fills in live over SSE while the build runs.
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import {
  READ_TOKEN,
  createBuilderFixture,
  spawnBuilder,
  type BuilderFixture,
  type SpawnedBuilder,
} from "../../helpers/builder-server.js";

let fx: BuilderFixture;
let b: SpawnedBuilder;
let browser: Browser;
beforeAll(async () => {
  fx = await createBuilderFixture();
  // A real serve process: the browser talks to the builder exactly as in production.
  b = await spawnBuilder(fx);
  try {
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (err) {
    throw new Error(
      `Chromium could not start (${(err as Error).message}). Fix: apt-get install chromium (Debian's package, at /usr/bin/chromium).`,
    );
  }
});
afterAll(async () => {
  await browser?.close();
  await b?.stop();
  await fx?.cleanup();
});

async function submit(body: unknown): Promise<BuildRecord> {
  const res = await fetch(`${b.url}/v1/builds`, {
    method: "POST",
    headers: { ...b.api, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as BuildRecord;
}

describe("dashboard in Chromium", () => {
  it("without credentials the browser is challenged (401); with the read token as Basic password it lists builds", async () => {
    const anonymous = await browser.newContext();
    const denied = await anonymous.request.get(b.url);
    expect(denied.status()).toBe(401);
    expect(denied.headers()["www-authenticate"]).toMatch(/^Basic realm=/);
    await anonymous.close();
    const rec = await submit({
      target: "quick",
      smoke: false,
      tags: ["dash"],
      buildArgs: { NONCE: String(Date.now()) },
    });
    const ctx = await browser.newContext({ httpCredentials: { username: "anyone", password: READ_TOKEN } });
    const page = await ctx.newPage();
    const res = await page.goto(b.url);
    expect(res?.status()).toBe(200);
    const row = page.locator(`tr[data-id="${rec.id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain("quick");
    expect(await row.innerText()).toContain(":dash");
    await ctx.close();
  });

  it("a build page shows the live log over SSE, then the final status and phases", async () => {
    const rec = await submit({
      target: "slow",
      smoke: false,
      buildArgs: { NONCE: String(Date.now()), LINES: "12", DELAY: "0.25" },
    });
    const ctx = await browser.newContext({ httpCredentials: { username: "viewer", password: READ_TOKEN } });
    const page = await ctx.newPage();
    await page.goto(`${b.url}/builds/${rec.id}`);
    // A line appears while the build is still running: the log is live, not a reload.
    await page.locator("#log", { hasText: "slow line 2 of 12" }).waitFor({ timeout: 60_000 });
    const statusWhileLive = await page.locator("#status").innerText();
    expect(["queued", "running"]).toContain(statusWhileLive);
    await page.waitForFunction(() => document.body.dataset.ended === "true", undefined, { timeout: 120_000 });
    const final = (await (
      await fetch(`${b.url}/v1/builds/${rec.id}`, { headers: b.read })
    ).json()) as BuildRecord;
    expect(await page.locator("#status").innerText(), JSON.stringify(final.error)).toBe("succeeded");
    expect(await page.locator("#log").innerText()).toContain("slow line 12 of 12");
    await page.reload();
    expect(await page.locator("#phases").innerText()).toMatch(/build\s+succeeded/);
    expect(await page.locator("#phases").innerText()).toMatch(/tag\s+succeeded/);
    expect(await page.locator("#publication").innerText()).toBe(`published: ${final.tags.join(", ")}`);
    await ctx.close();
  });
});
