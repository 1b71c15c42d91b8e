// The per-target cache with real buildx exports: reuse, recovery from a damaged cache,
// concurrent builds of one target, and the size budget over repeated builds.
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuildx } from "../../../builder/src/buildx/run-buildx.js";
import { runBuildxWithCache } from "../../../builder/src/cache/cached-build.js";
import { TargetCacheStore } from "../../../builder/src/cache/target-cache.js";
import { validateCacheDir } from "../../../builder/src/cache/validate-cache.js";
import { BuildEnv, DOCKER, nonce } from "../buildx/build-env.js";

let env: BuildEnv;
beforeAll(async () => {
  env = await BuildEnv.create();
});
afterAll(async () => {
  await env?.cleanup();
});

const GiB = 1024 ** 3;

async function build(store: TargetCacheStore, target: string, body: string, maxBytes = GiB) {
  const ctx = await env.context(`${target}-${nonce()}`, body);
  return runBuildxWithCache(env.spec(target, ctx), {
    docker: DOCKER,
    env: env.env(),
    caps: env.caps,
    secrets: [],
    onLine: env.onLine,
    store,
    target,
    maxBytes,
  });
}

async function firstBlob(dir: string): Promise<string> {
  const blobs = path.join(dir, "blobs", "sha256");
  const names = await readdir(blobs);
  return path.join(blobs, names[0]!);
}

describe("runBuildxWithCache", () => {
  it("exports a cache, and the second identical build imports it and reports every step cached", async () => {
    const store = new TargetCacheStore(path.join(env.dir, "cache-reuse"));
    const body = `RUN echo ${nonce()} > /a\nRUN echo two > /b\nCOPY Dockerfile /c`;
    const first = await build(store, "reuse", body);
    expect(first.outcome.ok).toBe(true);
    expect(first.cache).toMatchObject({ imported: false, totalSteps: 3, cachedSteps: 0 });
    expect(first.cache.exportedBytes).toBeGreaterThan(0);
    expect((await validateCacheDir(store.currentDir("reuse"))).ok).toBe(true);

    env.lines.length = 0;
    const second = await build(store, "reuse", body);
    expect(second.outcome.ok).toBe(true);
    expect(second.cache).toMatchObject({ imported: true, totalSteps: 3, cachedSteps: 3 });
    expect(env.lines.some((l) => /importing cache manifest from local/.test(l))).toBe(true);
    expect(await readdir(path.join(store.root, ".tmp"))).toEqual([]);
  });

  const damages: [string, (dir: string) => Promise<void>][] = [
    ["garbage index.json", (dir) => writeFile(path.join(dir, "index.json"), "garbage{")],
    ["a missing blob", async (dir) => rm(await firstBlob(dir))],
  ];
  for (const [name, damage] of damages) {
    it(`moves aside a cache with ${name} and builds without it`, async () => {
      const store = new TargetCacheStore(path.join(env.dir, `cache-damaged-${nonce()}`));
      const body = `RUN echo ${nonce()} > /a`;
      expect((await build(store, "damaged", body)).outcome.ok).toBe(true);
      await damage(store.currentDir("damaged"));
      const again = await build(store, "damaged", body);
      expect(again.outcome.ok).toBe(true);
      expect(again.cache.imported).toBe(false);
      expect(again.cache.recovered).toBeTruthy();
      expect(await readdir(path.join(store.root, ".broken"))).toHaveLength(1);
      expect((await validateCacheDir(store.currentDir("damaged"))).ok).toBe(true);
    });
  }

  it("recognises a cache that buildx itself cannot import", async () => {
    const dir = path.join(env.dir, "garbage-cache");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "index.json"), "garbage{");
    const ctx = await env.context("garbage-import", `RUN echo ${nonce()}`);
    const outcome = await runBuildx(env.spec("garbage-import", ctx, { cacheFrom: dir }), {
      docker: DOCKER,
      env: env.env(),
      caps: env.caps,
      secrets: [],
    });
    expect(outcome.ok).toBe(true);
    expect(outcome.cacheProblem).toMatchObject({ stage: "import", message: expect.stringContaining(dir) });
  });

  it("two concurrent builds of one target both succeed and leave a readable cache", async () => {
    const store = new TargetCacheStore(path.join(env.dir, "cache-concurrent"));
    const n = nonce();
    const [a, b] = await Promise.all([
      build(store, "shared", `RUN echo ${n} > /a\nRUN echo a > /b`),
      build(store, "shared", `RUN echo ${n} > /a\nRUN echo b > /b`),
    ]);
    expect(a.outcome.error).toBeUndefined();
    expect(b.outcome.error).toBeUndefined();
    expect(a.commitError).toBeUndefined();
    expect(b.commitError).toBeUndefined();
    expect((await validateCacheDir(store.currentDir("shared"))).ok).toBe(true);
    expect(await readdir(path.join(store.root, ".tmp"))).toEqual([]);
    expect(await readdir(path.join(store.root, ".trash"))).toEqual([]);
  });

  it("keeps the total under a small budget over repeated builds of several targets", async () => {
    const store = new TargetCacheStore(path.join(env.dir, "cache-budget"));
    // Each cache holds the busybox layer (~1 MiB) plus ~256 KiB of its own: two fit, three do not.
    const one = (await build(store, "probe", `RUN head -c 262144 /dev/urandom > /r-${nonce()}`)).cache
      .exportedBytes!;
    await store.prune(0);
    const budget = Math.floor(one * 2.5);
    const evicted: string[] = [];
    for (const target of ["t1", "t2", "t3", "t1", "t4"]) {
      const result = await build(store, target, `RUN head -c 262144 /dev/urandom > /r-${nonce()}`, budget);
      expect(result.outcome.ok).toBe(true);
      evicted.push(...result.budget.evicted);
      expect(await store.totalBytes()).toBeLessThanOrEqual(budget);
      expect(Object.keys(await store.sizes())).toContain(target);
    }
    // t1 was used again before t4, so t2 and t3 were the least recently used.
    expect(evicted).toEqual(["t1", "t2", "t3"]);
    expect(Object.keys(await store.sizes()).sort()).toEqual(["t1", "t4"]);
  });
});
