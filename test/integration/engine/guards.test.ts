// The guards and the promises about secrets and bad input, through the real binary:
// a damaged cache is recovered, concurrent builds of one target both succeed, the cache
// stays under its budget, DISK_LOW and TIMEOUT fail fast, secrets appear nowhere, and
// injection attempts are refused before any process starts.
import { readdir, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TargetCacheStore } from "../../../builder/src/cache/target-cache.js";
import { validateCacheDir } from "../../../builder/src/cache/validate-cache.js";
import { run } from "../../../builder/src/process/spawn.js";
import { startGitHttpServer, type GitHttpServer } from "../../helpers/git-http-server.js";
import { git } from "../../helpers/git-repo.js";
import { BUSYBOX, stack } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";
import { BUILD_SECRET, createEngineFixture, type EngineFixture } from "./engine-fixture.js";

const GIT_TOKEN = `ghp_${Math.random().toString(36).slice(2)}${Date.now()}`;

let fx: EngineFixture;
let gitServer: GitHttpServer;

beforeAll(async () => {
  fx = await createEngineFixture();
  await fx.target("plain", "RUN echo plain > /plain");
  await fx.target("sleepy", "RUN sh -c 'sleep 61'");
  await fx.target("secretive", "RUN --mount=type=secret,id=token cat /run/secrets/token && echo", {
    secrets: { token: "ENGINE_BUILD_SECRET" },
  });
  // A private git repository served over smart HTTP that wants the token.
  const repos = path.join(fx.root, "repos");
  const work = path.join(fx.root, "work");
  await mkdir(path.join(work, "app"), { recursive: true });
  await writeFile(path.join(work, "app", "Dockerfile"), `FROM ${BUSYBOX()}\nRUN echo from-git > /g\n`);
  await git(work, "init", "--quiet", "--initial-branch=main");
  await git(work, "add", ".");
  await git(work, "commit", "--quiet", "-m", "app");
  await mkdir(repos);
  await git(fx.root, "clone", "--quiet", "--bare", "--", work, path.join(repos, "app.git"));
  gitServer = await startGitHttpServer(repos, GIT_TOKEN);
  await fx.target("fromgit", "", {
    source: "private",
    context: "app",
    dockerfile: "app/Dockerfile",
    tags: ["{ref}", "sha-{shortSha}"],
  });
  await fx.source("private", {
    git: `${gitServer.url}/app.git`,
    defaultRef: "main",
    tokenEnv: "ENGINE_GIT_TOKEN",
  });
});
afterAll(async () => {
  await gitServer?.close();
  await fx.cleanup();
});

describe("secrets", () => {
  it("never show the registry password, a build secret or the git token in logs, records, argv or output", async () => {
    const secret = await fx.run(["secretive"]);
    expect(secret.code, secret.stderr).toBe(0);
    const fromGit = await fx.run(["fromgit"], { ENGINE_GIT_TOKEN: GIT_TOKEN });
    expect(fromGit.code, fromGit.stderr).toBe(0);
    expect(fromGit.record!.source).toMatchObject({
      kind: "git",
      ref: "main",
      commit: expect.stringMatching(/^[a-f0-9]{40}$/),
    });
    expect(gitServer.requests.some((r) => r.authorized)).toBe(true);

    const everything = [
      await fx.dataText(),
      secret.stdout,
      secret.stderr,
      fromGit.stdout,
      fromGit.stderr,
    ].join("\n");
    // The log holds the argv of every git and buildx command that ran, and the redacted secret.
    expect(everything).toMatch(/\$ \/usr\/bin\/docker buildx build/);
    expect(everything).toMatch(/\$ git .*fetch/);
    expect(everything).toContain("***");
    for (const value of [stack().password, BUILD_SECRET, GIT_TOKEN]) expect(everything).not.toContain(value);
  });
});

describe("bad input", () => {
  // A flag is named as the user typed it (common/build-request-flags.ts).
  it.each([
    [["plain", "--ref=-oProxyCommand=x"], "ref"],
    [["plain", "--ref", "main\nx"], "ref"],
    [["plain", "--ref", "a..b"], "ref"],
    [["plain", "--tag", "../x"], "--tag"],
    [["plain", "--tag=-x"], "--tag"],
    [["plain", "--platform", "linux/amd64,--push"], "--platform"],
    [["plain", "--build-arg=-x=1"], "--build-arg"],
    [["plain", "--build-arg", "A=b\u0007c"], "--build-arg"],
    [["plain", "--ref", "main"], "ref"],
    [["no-such-target"], "target"],
  ])("refuses %j with exit 2 naming the field, before anything runs", async (args, field) => {
    const builds = () => readdir(path.join(fx.dataDir, "builds")).catch(() => []);
    const before = await builds();
    const res = await fx.run(args as string[]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(field);
    expect(res.stderr).not.toContain("$ /usr/bin/docker");
    // No build record was created for the refused request.
    expect(await builds()).toEqual(before);
  });
});

describe("guards", () => {
  it("fails fast with DISK_LOW when the data or cache filesystem is below the threshold", async () => {
    const res = await fx.run(["plain"], { BUILDER_MIN_FREE_PERCENT: "100" });
    expect(res.code).toBe(1);
    expect(res.record!.error).toMatchObject({ code: "DISK_LOW" });
    expect(res.record!.error!.message).toMatch(/BUILDER_MIN_FREE_PERCENT/);
    expect(res.record!.phases.every((p) => p.status === "skipped")).toBe(true);
  });

  it("kills a build that runs past BUILDER_BUILD_TIMEOUT and records TIMEOUT", async () => {
    const res = await fx.run(["sleepy"], { BUILDER_BUILD_TIMEOUT: "4" });
    expect(res.code).toBe(1);
    expect(res.record!.error).toMatchObject({ code: "TIMEOUT" });
    // The RUN step's process is gone too: cancelling the buildx client cancels the solve.
    await waitFor(
      async () => {
        const ps = await run(["ps", "-eo", "args"], {});
        return !ps.stdout.some((l) => l.includes("sleep 61"));
      },
      { timeoutMs: 30_000, what: "the sleeping RUN step to be killed" },
    );
  });
});

describe("cache", () => {
  it("moves a damaged cache aside and builds without it", async () => {
    const first = await fx.run(["plain", "--no-smoke"]);
    expect(first.code, first.stderr).toBe(0);
    await writeFile(path.join(fx.cacheDir, "plain", "index.json"), "{ this is not json");
    const second = await fx.run(["plain", "--build-arg", "AFTER=damage"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.record!.cache!.recovered).toBeTruthy();
    expect(await readdir(path.join(fx.cacheDir, ".broken"))).toHaveLength(1);
    expect(await validateCacheDir(path.join(fx.cacheDir, "plain"))).toMatchObject({ ok: true });
  });

  it("runs two concurrent builds of one target to success and leaves a readable cache", async () => {
    const [a, b] = await Promise.all([
      fx.run(["plain", "--build-arg", "WHO=a"]),
      fx.run(["plain", "--build-arg", "WHO=b"]),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(await validateCacheDir(path.join(fx.cacheDir, "plain"))).toMatchObject({ ok: true });
  });

  it("keeps the total cache under BUILDER_CACHE_MAX_BYTES over repeated builds, evicting the oldest", async () => {
    const small = await createEngineFixture();
    try {
      for (const n of [1, 2, 3]) await small.target(`b${n}`, `RUN head -c 400000 /dev/urandom > /blob${n}`);
      const one = await small.run(["b1"]);
      expect(one.code, one.stderr).toBe(0);
      const store = new TargetCacheStore(small.cacheDir);
      const size = await store.totalBytes();
      const budget = Math.floor(size * 1.5);
      for (const t of ["b2", "b3", "b1", "b2"]) {
        const res = await small.run([t], { BUILDER_CACHE_MAX_BYTES: String(budget) });
        expect(res.code, res.stderr).toBe(0);
        expect(await store.totalBytes()).toBeLessThanOrEqual(budget);
      }
    } finally {
      await small.cleanup();
    }
  });
});
