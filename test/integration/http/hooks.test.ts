// GitHub push webhooks and scheduled rebuilds against a real builder and a real git
// repository (file://): HMAC over the raw body, delivery dedup, watch globs, deletions
// and other events ignored, answers well under a second, builds at the pushed commit.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import {
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { git } from "../../helpers/git-repo.js";
import { BUSYBOX } from "../../helpers/stack-env.js";
import { signGithub, waitForEnd } from "../../helpers/builder-api.js";

let root: string;
let bare: string;
let head: string;
let fx: BuilderFixture;
let b: InProcessBuilder;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "hook-repo-"));
  const work = path.join(root, "work");
  bare = path.join(root, "repo.git");
  await mkdir(path.join(work, "app"), { recursive: true });
  await writeFile(path.join(work, "app", "Dockerfile"), `FROM ${BUSYBOX()}\nRUN echo hooked build\n`);
  await writeFile(path.join(work, "README.md"), "readme\n");
  await git(work, "init", "--quiet", "--initial-branch=main");
  await git(work, "add", ".");
  await git(
    work,
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.invalid",
    "commit",
    "--quiet",
    "-m",
    "one",
  );
  head = await git(work, "rev-parse", "HEAD");
  await git(root, "clone", "--quiet", "--bare", "--", work, bare);
  fx = await createBuilderFixture({ gitUrl: `file://${bare}` });
  b = await startBuilder(fx);
});
afterAll(async () => {
  await b?.stop();
  await fx?.cleanup();
  await rm(root, { recursive: true, force: true });
});

const sign = signGithub;
function payload(over: Record<string, unknown> = {}, changed: string[] = ["app/Dockerfile"]): string {
  return JSON.stringify({
    ref: "refs/heads/main",
    before: "0".repeat(40),
    after: head,
    deleted: false,
    repository: { full_name: "test/repo", clone_url: `file://${bare}` },
    commits: [{ id: head, added: [], modified: changed, removed: [] }],
    head_commit: { id: head, added: [], modified: changed, removed: [] },
    ...over,
  });
}
async function hook(body: string, headers: Record<string, string>): Promise<{ res: Response; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${b.url}/v1/hooks/github`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { res, ms: performance.now() - started };
}
async function countBuilds(): Promise<number> {
  return (
    (await (await fetch(`${b.url}/v1/builds?limit=500`, { headers: b.read })).json()) as { builds: unknown[] }
  ).builds.length;
}
const ended = (id: string) => waitForEnd(b, id, 120_000);

describe("POST /v1/hooks/github", () => {
  it("a signed push touching a watched path builds at the pushed commit, answering in < 1 s; the replayed delivery builds nothing", async () => {
    const body = payload();
    const headers = {
      "x-hub-signature-256": sign(body),
      "x-github-delivery": "11111111-aaaa",
      "x-github-event": "push",
    };
    const { res, ms } = await hook(body, headers);
    expect(res.status).toBe(202);
    expect(ms).toBeLessThan(1000);
    const result = (await res.json()) as { builds: BuildRecord[] };
    expect(result.builds.map((x) => x.target)).toEqual(["hooked"]);
    expect(result.builds[0]!.trigger).toMatchObject({ kind: "webhook", delivery: "11111111-aaaa" });
    const done = await ended(result.builds[0]!.id);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(done.source).toMatchObject({ kind: "git", commit: head });
    const before = await countBuilds();
    const replay = await hook(body, headers);
    expect(replay.res.status).toBe(202);
    expect(((await replay.res.json()) as { builds: unknown[] }).builds).toEqual([]);
    expect(await countBuilds()).toBe(before);
  });

  it("unwatched paths, branch deletions and non-push events are acknowledged and start nothing", async () => {
    const before = await countBuilds();
    const cases: [string, string][] = [
      [payload({}, ["README.md"]), "push"],
      [payload({ deleted: true, after: "0".repeat(40) }), "push"],
      [JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 }), "ping"],
      [payload(), "pull_request"],
    ];
    for (const [i, [body, event]] of cases.entries()) {
      const { res, ms } = await hook(body, {
        "x-hub-signature-256": sign(body),
        "x-github-delivery": `ign-${i}`,
        "x-github-event": event,
      });
      expect(res.status, `${event} ${body.slice(0, 60)}`).toBe(202);
      expect(ms).toBeLessThan(1000);
      expect(((await res.json()) as { builds: unknown[] }).builds).toEqual([]);
    }
    expect(await countBuilds()).toBe(before);
  });

  it("a bad or missing signature is 401 and creates nothing", async () => {
    const before = await countBuilds();
    const body = payload();
    for (const sig of [sign(body, "wrong-secret"), sign(`${body} `), "sha256=zz", ""]) {
      const { res } = await hook(body, {
        "x-hub-signature-256": sig,
        "x-github-delivery": "bad-sig",
        "x-github-event": "push",
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    }
    expect(await countBuilds()).toBe(before);
  });
});

describe("POST /v1/hooks/schedule", () => {
  it("without a body rebuilds every target with schedule: true; with targets, those; unknown targets are 400", async () => {
    const all = await fetch(`${b.url}/v1/hooks/schedule`, { method: "POST", headers: b.api });
    expect(all.status).toBe(202);
    const builds = ((await all.json()) as { builds: BuildRecord[] }).builds;
    expect(builds.map((x) => x.target).sort()).toEqual(["hooked", "quick"]);
    expect(builds.every((x) => x.trigger.kind === "schedule")).toBe(true);
    const some = await fetch(`${b.url}/v1/hooks/schedule`, {
      method: "POST",
      headers: { ...b.api, "content-type": "application/json" },
      body: JSON.stringify({ targets: ["quick"] }),
    });
    expect(some.status).toBe(202);
    const unknown = await fetch(`${b.url}/v1/hooks/schedule`, {
      method: "POST",
      headers: { ...b.api, "content-type": "application/json" },
      body: JSON.stringify({ targets: ["nope"] }),
    });
    expect(unknown.status).toBe(400);
    const forbidden = await fetch(`${b.url}/v1/hooks/schedule`, { method: "POST", headers: b.read });
    expect(forbidden.status).toBe(403);
    for (const x of builds) expect((await ended(x.id)).status).toBe("succeeded");
  });
});
