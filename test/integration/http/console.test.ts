// The operator console (SPEC §8) in real Chromium against a real `comfyume-builder serve`
// (real buildx, the authenticated registry): a build page opened while queued follows the
// build to its end without a reload; cancel, retry and rebuild with the API token and no
// buttons with the read token; the list's filters, search and paging; a phone's width;
// hostile values as text; and no stream held by a hidden or idle page (the server's own
// gauge of open streams says so). Screenshots go to .builder/screenshots/.
import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import {
  API_TOKEN,
  READ_TOKEN,
  createBuilderFixture,
  spawnBuilder,
  type BuilderFixture,
  type SpawnedBuilder,
} from "../../helpers/builder-server.js";
import {
  buildConsoleAssets,
  horizontalOverflow,
  launchChromium,
  screenshot,
  signedIn,
} from "../../helpers/console-browser.js";
import { makeGitRepo, type GitRepo } from "../../helpers/git-repo.js";
import { BUSYBOX } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";
import { addSmokeTargets } from "../trigger/trigger-fixture.js";
import { fetchRecord, waitForEnd } from "../../helpers/builder-api.js";

let repo: GitRepo;
let fx: BuilderFixture;
let b: SpawnedBuilder;
let browser: Browser;
beforeAll(async () => {
  buildConsoleAssets();
  repo = await makeGitRepo();
  fx = await createBuilderFixture({ gitUrl: repo.fileUrl });
  await addSmokeTargets(fx, BUSYBOX());
  b = await spawnBuilder(fx);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await b?.stop();
  await fx?.cleanup();
  await repo?.cleanup();
});

const nonce = () => randomUUID().slice(0, 8);

async function submit(body: Record<string, unknown>): Promise<BuildRecord> {
  const res = await fetch(`${b.url}/v1/builds`, {
    method: "POST",
    headers: { ...b.api, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as BuildRecord;
}

const record = (id: string) => fetchRecord(b, id);

const ended = (id: string) => waitForEnd(b, id, 150_000);

async function cancel(id: string): Promise<void> {
  await fetch(`${b.url}/v1/builds/${id}/cancel`, { method: "POST", headers: b.api });
}

/** The server's count of open SSE streams (builder_open_streams): what keeps a replica up. */
async function openStreams(): Promise<number> {
  const text = await (await fetch(`${b.url}/metrics`)).text();
  return Number(/^builder_open_streams\{format="sse"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

const statusOf = (page: Page) => page.locator("#status").getAttribute("data-status");

describe("a build page", () => {
  it("opened while queued shows running, each phase, smoke results and the digest without a reload", async () => {
    const blocker = await submit({
      target: "slow",
      smoke: false,
      buildArgs: { NONCE: nonce(), LINES: "24" },
    });
    const rec = await submit({ target: "smoked", tags: ["v1", "latest"], buildArgs: { NONCE: nonce() } });
    const ctx = await signedIn(browser, API_TOKEN);
    const page = await ctx.newPage();
    let navigations = 0;
    page.on("framenavigated", (f) => f === page.mainFrame() && navigations++);
    await page.goto(`${b.url}/builds/${rec.id}`);
    // After the page loaded, every update comes on its one stream: no other request.
    const later: string[] = [];
    page.on("request", (r) => later.push(new URL(r.url()).pathname));
    expect(await statusOf(page)).toBe("queued");
    await screenshot(page, "build-queued", false);
    // Record every status and phase state the page ever shows.
    await page.evaluate(() => {
      const seen = { status: [] as string[], phases: {} as Record<string, string[]> };
      (window as unknown as { seen: typeof seen }).seen = seen;
      const look = () => {
        const s = document.querySelector<HTMLElement>("#status")?.dataset.status;
        if (s && seen.status.at(-1) !== s) seen.status.push(s);
        for (const li of Array.from(document.querySelectorAll<HTMLElement>("li[data-phase]"))) {
          const list = (seen.phases[li.dataset.phase!] ??= []);
          if (list.at(-1) !== li.dataset.phaseStatus) list.push(li.dataset.phaseStatus!);
        }
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
      look();
    });
    await page.locator('li[data-phase="build"][data-phase-status="running"]').waitFor({ timeout: 120_000 });
    // The running build's timer ticks in the page.
    const timer = page.locator("#build-head [data-since]");
    const first = await timer.innerText();
    await expect.poll(() => timer.innerText(), { timeout: 5000 }).not.toBe(first);
    await screenshot(page, "build-running", false);
    await page.waitForFunction(() => document.body.dataset.ended === "true", undefined, { timeout: 150_000 });
    await page.locator('li[data-smoke="passed"]').waitFor();
    const final = await record(rec.id);
    expect(final.status, JSON.stringify(final.error)).toBe("succeeded");
    await expect.poll(() => statusOf(page)).toBe("succeeded");
    expect(await page.locator("#digest").innerText()).toBe(final.digest);
    expect(await page.locator("#published").innerText()).toMatch(/smoked\s+v1\s+latest/);
    const seen = await page.evaluate(
      () => (window as unknown as { seen: { status: string[]; phases: Record<string, string[]> } }).seen,
    );
    expect(seen.status).toEqual(["queued", "running", "succeeded"]);
    for (const name of ["source", "build", "push", "smoke"])
      expect(seen.phases[name]?.at(-1), name).toBe("succeeded");
    // The long phases were shown running while they ran, and nothing went backwards.
    expect(seen.phases.build).toEqual(["pending", "running", "succeeded"]);
    expect(seen.phases.source?.[0]).toBe("pending");
    expect(seen.phases.smoke).toContain("running");
    expect(seen.phases.backup?.at(-1)).toBe("skipped");
    expect(navigations).toBe(1);
    expect(later.filter((p) => p !== `/builds/${rec.id}/events`)).toEqual([]);
    expect(Number(await page.locator("#log .ln").count())).toBeGreaterThan(10);
    await screenshot(page, "build-succeeded");
    await ctx.close();
    await ended(blocker.id);
  });

  it("cancel and retry with the API token; the read token gets no buttons and a 403", async () => {
    const rec = await submit({ target: "slow", smoke: false, buildArgs: { NONCE: nonce(), LINES: "400" } });
    const viewer = await signedIn(browser, READ_TOKEN);
    const vp = await viewer.newPage();
    await vp.goto(`${b.url}/builds/${rec.id}`);
    await vp.locator('li[data-phase="build"][data-phase-status="running"]').waitFor({ timeout: 120_000 });
    expect(await vp.locator("[data-action]").count()).toBe(0);
    const denied = await vp.evaluate(
      async (id) => (await fetch(`${id}/cancel`, { method: "POST" })).status,
      rec.id,
    );
    expect(denied).toBe(403);
    await screenshot(vp, "build-read-only", false);
    await vp.goto(b.url);
    expect(await vp.locator("[data-rebuild]").count()).toBe(0);
    await viewer.close();

    const operator = await signedIn(browser, API_TOKEN);
    const page = await operator.newPage();
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${b.url}/builds/${rec.id}`);
    await page.getByRole("button", { name: "Cancel build" }).click();
    await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe("cancelled");
    expect((await record(rec.id)).status).toBe("cancelled");
    await page.getByRole("button", { name: "Retry" }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(rec.id), { timeout: 30_000 });
    const retryId = new URL(page.url()).pathname.split("/").at(-1)!;
    expect((await record(retryId)).trigger).toEqual({ kind: "retry", of: rec.id });
    await expect(page.locator("#facts").innerText()).resolves.toContain(`retry of ${rec.id}`);
    await cancel(retryId);
    await ended(retryId);
    await operator.close();
  });

  it("is usable from the keyboard: rebuild from the front page, follow toggled on the build page", async () => {
    const operator = await signedIn(browser, API_TOKEN);
    const page = await operator.newPage();
    await page.goto(b.url);
    const tag = `kb-${nonce()}`;
    // Tab through the page to the quick target's Rebuild button.
    await waitFor(
      async () => {
        await page.keyboard.press("Tab");
        return page.evaluate(() => document.activeElement?.getAttribute("data-rebuild") === "quick");
      },
      { timeoutMs: 20_000, intervalMs: 1, what: "the Rebuild button in the tab order" },
    );
    await page.keyboard.press("Enter");
    await expect(page.locator("#rebuild").isVisible()).resolves.toBe(true);
    // The dialog takes the focus to its first field (a path target has no ref: Tags).
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("tags");
    await page.keyboard.type(tag);
    await screenshot(page, "rebuild-dialog", false);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/builds\/b_/, { timeout: 30_000 });
    const id = new URL(page.url()).pathname.split("/").at(-1)!;
    expect((await record(id)).tags.some((t) => t.endsWith(`:${tag}`))).toBe(true);
    const follow = page.locator("#log-follow");
    await follow.focus();
    await page.keyboard.press("Space");
    expect(await follow.getAttribute("aria-pressed")).toBe("false");
    await ended(id);
    await operator.close();
  });
});

describe("the builds list", () => {
  it("filters by target, status and trigger, searches by id, tag, ref and commit, and pages", async () => {
    const failed = await submit({ target: "fail", smoke: false });
    const git = await submit({ target: "hooked", ref: "main", smoke: false });
    await ended(failed.id);
    const hooked = await ended(git.id);
    const commit = hooked.source.kind === "git" ? hooked.source.commit! : "";
    expect(commit).toBe(repo.commits.second);
    const ctx = await signedIn(browser, READ_TOKEN);
    const page = await ctx.newPage();
    await page.goto(b.url);
    const ids = () =>
      page.locator("tr[data-id]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
    const statuses = () =>
      page.locator("tr[data-id]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-status")));
    expect(await ids()).toContain(failed.id);
    await page.selectOption("select[name=status]", "failed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/status=failed/);
    expect(new Set(await statuses())).toEqual(new Set(["failed"]));
    expect(await page.locator(`tr[data-id="${failed.id}"] td[data-label="Error"]`).innerText()).toBe(
      "BUILD_FAILED",
    );
    await screenshot(page, "list-failed");
    await page.goto(`${b.url}/?trigger=retry`);
    expect((await ids()).length).toBeGreaterThan(0);
    for (const id of await ids()) expect((await record(id!)).trigger.kind).toBe("retry");
    await page.goto(`${b.url}/?target=hooked`);
    expect(await ids()).toEqual([git.id]);
    for (const q of [commit.slice(0, 10), "main", git.id.slice(-8), "hooked:sha-"]) {
      await page.goto(b.url);
      await page.fill("input[name=q]", q);
      await page.keyboard.press("Enter");
      await page.waitForURL(/q=/);
      expect(await ids(), q).toEqual([git.id]);
    }
    // Paging: two at a time, the next page continues where the first ended.
    await page.goto(`${b.url}/?limit=2`);
    const first = await ids();
    await page.getByRole("link", { name: "Older →" }).click();
    await page.waitForURL(/cursor=/);
    const second = await ids();
    expect(first).toHaveLength(2);
    expect(second).toHaveLength(2);
    expect(second.some((id) => first.includes(id))).toBe(false);
    expect(second[0]! < first[1]!).toBe(true);
    await ctx.close();
  });
});

describe("hostile values and a phone", () => {
  const HOSTILE = `<img src=x onerror="window.pwned=1">`;

  it("a hostile tag, error, smoke result, build arg and log line are shown as text", async () => {
    // The nonce keeps BuildKit's cache from skipping the step that echoes it.
    const arg = `${HOSTILE} ${nonce()}`;
    const built = await submit({ target: "slow", smoke: false, buildArgs: { NONCE: arg, LINES: "2" } });
    await ended(built.id);
    // A record as the store may hold it: values a request could never have set.
    const store = new FileBuildStore(fx.dataDir);
    const id = store.newBuildId();
    const at = new Date().toISOString();
    await store.create({
      ...built,
      id,
      status: "failed",
      tags: [`127.0.0.1:5001/test/slow:${HOSTILE}`],
      pushed: [{ ref: `127.0.0.1:5001/test/slow:${HOSTILE}`, digest: "sha256:0" }],
      error: { code: "SMOKE_FAILED", message: HOSTILE },
      smoke: {
        passed: 0,
        failed: 1,
        results: [{ name: HOSTILE, passed: false, durationMs: 1, message: HOSTILE }],
      },
      createdAt: at,
      finishedAt: at,
    });
    await store.appendLog(id, [{ stream: "stderr", line: HOSTILE }]);
    const ctx = await signedIn(browser, API_TOKEN);
    const page = await ctx.newPage();
    for (const path of ["/", `/builds/${id}`, `/builds/${built.id}`]) {
      await page.goto(`${b.url}${path}`);
      if (path.startsWith("/builds/"))
        await page.waitForFunction(() => document.body.dataset.ended === "true", undefined, {
          timeout: 30_000,
        });
      expect(await page.locator("main img").count(), path).toBe(0);
      expect(
        await page.evaluate(() => (window as unknown as { pwned?: number }).pwned),
        path,
      ).toBeUndefined();
      expect(await page.locator("main").innerText(), path).toContain(HOSTILE);
    }
    expect(await page.locator("#log").innerText()).toContain(`slow line 1 of 2 (${arg})`);
    await screenshot(page, "build-hostile");
    await ctx.close();
  });

  it("390 px wide: no page scrolls sideways", async () => {
    const ctx = await signedIn(browser, READ_TOKEN, { width: 390, height: 844 });
    const page = await ctx.newPage();
    await page.goto(b.url);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "phone-home");
    // The newest builds: the hostile ones above (long values) and whatever ran before them.
    const list = await fetch(`${b.url}/v1/builds?limit=3`, { headers: b.read });
    const { builds } = (await list.json()) as { builds: BuildRecord[] };
    expect(builds.length).toBeGreaterThan(0);
    for (const [i, rec] of builds.entries()) {
      await page.goto(`${b.url}/builds/${rec.id}`);
      await page.waitForFunction(() => document.body.dataset.ended === "true", undefined, {
        timeout: 30_000,
      });
      expect(await horizontalOverflow(page), rec.id).toBe(0);
      await screenshot(page, `phone-build-${i + 1}`);
    }
    const hostile = await page.goto(`${b.url}/?q=${encodeURIComponent("<img")}`);
    expect(hostile?.status()).toBe(200);
    expect(await horizontalOverflow(page)).toBe(0);
    await ctx.close();
  });
});

/**
 * The page's own visibility, switched as a browser does when its tab goes to the
 * background (headless Chromium keeps every page visible).
 */
async function controlVisibility(page: Page): Promise<void> {
  await page.addInitScript(() => {
    let hidden = false;
    Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => hidden });
    Object.defineProperty(Document.prototype, "visibilityState", {
      configurable: true,
      get: () => (hidden ? "hidden" : "visible"),
    });
    (window as unknown as { setHidden: (h: boolean) => void }).setHidden = (h) => {
      hidden = h;
      document.dispatchEvent(new Event("visibilitychange"));
    };
  });
}

function setHidden(page: Page, hidden: boolean): Promise<void> {
  return page.evaluate(
    (h) => (window as unknown as { setHidden: (h: boolean) => void }).setHidden(h),
    hidden,
  );
}

describe("no surprise bills", () => {
  it("the front page polls only while it is visible", async () => {
    const ctx = await signedIn(browser, READ_TOKEN);
    const page = await ctx.newPage();
    await controlVisibility(page);
    await page.clock.install();
    await page.goto(b.url);
    const fetches: string[] = [];
    page.on("request", (r) => fetches.push(new URL(r.url()).pathname));
    await page.clock.runFor(25_000);
    await expect.poll(() => fetches.filter((p) => p === "/").length).toBe(2);
    await setHidden(page, true);
    fetches.length = 0;
    await page.clock.runFor(120_000);
    expect(fetches).toEqual([]);
    expect(await page.locator("#live-text").innerText()).toBe("Paused while hidden");
    await setHidden(page, false);
    await expect.poll(() => fetches).toEqual(["/"]);
    await ctx.close();
  });

  it("a hidden page closes its stream and reopens it from the last line when shown again", async () => {
    const rec = await submit({ target: "slow", smoke: false, buildArgs: { NONCE: nonce(), LINES: "400" } });
    const ctx = await signedIn(browser, READ_TOKEN);
    const page = await ctx.newPage();
    await controlVisibility(page);
    await page.goto(`${b.url}/builds/${rec.id}`);
    await page.locator("#log", { hasText: "slow line 2 of 400" }).waitFor({ timeout: 120_000 });
    await waitFor(async () => (await openStreams()) === 1, { what: "the page's stream open on the server" });
    await setHidden(page, true);
    await waitFor(async () => (await openStreams()) === 0, { what: "the server to see the stream closed" });
    expect(await page.locator("#live-text").innerText()).toBe("Paused while hidden");
    const before = await page.locator("#log .ln").count();
    await setHidden(page, false);
    await waitFor(async () => (await openStreams()) === 1, { what: "the stream reopened" });
    await expect
      .poll(() => page.locator("#log .ln").count(), { timeout: 30_000 })
      .toBeGreaterThan(before + 3);
    const seqs = await page
      .locator("#log .ln")
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    await ctx.close();
    await waitFor(async () => (await openStreams()) === 0, { what: "the closed tab's stream to end" });
    await cancel(rec.id);
    await ended(rec.id);
  });

  it("after five idle minutes live updates stop, with a Resume control that starts them again", async () => {
    const rec = await submit({ target: "slow", smoke: false, buildArgs: { NONCE: nonce(), LINES: "400" } });
    const ctx = await signedIn(browser, READ_TOKEN);
    const page = await ctx.newPage();
    await page.clock.install();
    await page.goto(`${b.url}/builds/${rec.id}`);
    await waitFor(async () => (await openStreams()) === 1, { timeoutMs: 60_000, what: "the stream open" });
    expect(await page.locator("#resume").isVisible()).toBe(false);
    await page.clock.fastForward("05:30");
    await waitFor(async () => (await openStreams()) === 0, { what: "the idle page's stream closed" });
    await expect(page.locator("#resume").isVisible()).resolves.toBe(true);
    expect(await page.locator("#live-text").innerText()).toMatch(/Paused after 5 min idle/);
    await screenshot(page, "build-idle", false);
    await page.locator("#resume").click();
    await waitFor(async () => (await openStreams()) === 1, { what: "the stream reopened by Resume" });
    expect(await page.locator("#resume").isVisible()).toBe(false);
    await ctx.close();
    await cancel(rec.id);
    await ended(rec.id);
  });
});
