import { mkdir, mkdtemp, readdir, readFile, rename, rm, truncate, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CacheError } from "../../../builder/src/cache/cache-error.js";
import { TargetCacheStore } from "../../../builder/src/cache/target-cache.js";
import { pruneUnreachableBlobs, validateCacheDir } from "../../../builder/src/cache/validate-cache.js";
import { blobFile, writeCacheLayout } from "./oci-layout.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "comfyume-cache-unit-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const ls = async (p: string) => (await readdir(p).catch(() => [] as string[])).sort();

describe("pruneUnreachableBlobs", () => {
  it("removes blobs index.json no longer reaches and keeps the rest", async () => {
    await writeCacheLayout(root);
    const orphan = `sha256:${"a".repeat(64)}`;
    await writeFile(blobFile(root, orphan), "left over from the previous export");
    const check = await validateCacheDir(root);
    if (!check.ok) throw new Error(check.reason);
    expect(await pruneUnreachableBlobs(root, check.digests)).toBe(1);
    expect(await validateCacheDir(root)).toMatchObject({ ok: true, blobs: 4 });
    expect(await ls(path.join(root, "blobs", "sha256"))).toHaveLength(4);
  });
});

describe("prepare", () => {
  it("seeds the export dir with the current cache's blobs (linked, not copied)", async () => {
    const store = new TargetCacheStore(root);
    await writeCacheLayout(store.currentDir("worker"));
    const plan = await store.prepare("worker");
    const current = await ls(path.join(store.currentDir("worker"), "blobs", "sha256"));
    expect(await ls(path.join(plan.to, "blobs", "sha256"))).toEqual(current);
    // No index.json: BuildKit writes a fresh one.
    expect(await ls(plan.to)).toEqual(["blobs"]);
    await store.release(plan);
    await store.discard(plan.to);
  });
});

describe("validateCacheDir", () => {
  const damages: [string, (dir: string, d: { layers: string[]; index: string }) => Promise<void>, RegExp][] =
    [
      [
        "garbage index.json",
        (dir) => writeFile(path.join(dir, "index.json"), "garbage{"),
        /index.json is missing or not JSON/,
      ],
      ["no index.json", (dir) => rm(path.join(dir, "index.json")), /index.json is missing/],
      [
        "empty index",
        (dir) => writeFile(path.join(dir, "index.json"), '{"manifests":[]}'),
        /references no manifests/,
      ],
      [
        "a missing layer blob",
        (dir, d) => rm(blobFile(dir, d.layers[0]!)),
        /blob sha256:[a-f0-9]{64} is missing/,
      ],
      [
        "a truncated layer blob",
        (dir, d) => truncate(blobFile(dir, d.layers[1]!), 3),
        /has 3 bytes, expected/,
      ],
      ["a missing index blob", (dir, d) => rm(blobFile(dir, d.index)), /is missing/],
    ];
  it("accepts a complete layout", async () => {
    await writeCacheLayout(root);
    expect(await validateCacheDir(root)).toMatchObject({ ok: true, blobs: 4 });
  });
  for (const [name, damage, reason] of damages) {
    it(`rejects ${name}`, async () => {
      const digests = await writeCacheLayout(root);
      await damage(root, digests);
      const result = await validateCacheDir(root);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(reason);
    });
  }
});

describe("TargetCacheStore", () => {
  it("prepares without a cache, commits an export, and prepares from a snapshot of it", async () => {
    const store = new TargetCacheStore(root);
    const first = await store.prepare("worker");
    expect(first.from).toBeUndefined();
    expect(path.dirname(first.to)).toBe(path.join(root, ".tmp"));
    await writeCacheLayout(first.to);
    await store.commit("worker", first.to);
    expect((await validateCacheDir(path.join(root, "worker"))).ok).toBe(true);
    expect(await ls(path.join(root, ".tmp"))).toEqual([]);
    expect(await ls(path.join(root, ".trash"))).toEqual([]);

    const second = await store.prepare("worker");
    expect(second.from).toBeDefined();
    expect((await validateCacheDir(second.from!)).ok).toBe(true);
    // A concurrent build replaces the cache: the snapshot stays readable.
    const other = await store.prepare("worker");
    await writeCacheLayout(other.to, 500, "z");
    await store.commit("worker", other.to);
    expect((await validateCacheDir(second.from!)).ok).toBe(true);
    await store.release(second);
    await store.release(other);
    await store.discard(second.to);
    expect(await ls(path.join(root, ".tmp"))).toEqual([]);
  });

  it("quarantines an unreadable cache when preparing and says why", async () => {
    const store = new TargetCacheStore(root);
    await mkdir(path.join(root, "worker"), { recursive: true });
    await writeCacheLayout(path.join(root, "worker"));
    await writeFile(path.join(root, "worker", "index.json"), "garbage{");
    const plan = await store.prepare("worker");
    expect(plan.from).toBeUndefined();
    expect(plan.recovered).toMatch(/index.json is missing or not JSON/);
    const broken = await ls(path.join(root, ".broken"));
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^worker-/);
    expect(await readFile(path.join(root, ".broken", broken[0]!, "QUARANTINED.txt"), "utf8")).toMatch(
      /not JSON/,
    );
    expect(await ls(root)).not.toContain("worker");
  });

  it("keeps at most keepBroken quarantined caches", async () => {
    const store = new TargetCacheStore(root, { keepBroken: 2 });
    for (let i = 0; i < 4; i++) {
      await writeCacheLayout(path.join(root, "worker"), 100, String(i));
      expect(await store.quarantine("worker", `reason ${i}`)).toBeDefined();
    }
    const broken = await ls(path.join(root, ".broken"));
    expect(broken).toHaveLength(2);
    const reasons = await Promise.all(
      broken.map((b) => readFile(path.join(root, ".broken", b, "QUARANTINED.txt"), "utf8")),
    );
    expect(reasons.join("")).toMatch(/reason 3/);
    expect(await store.quarantine("worker", "nothing there")).toBeUndefined();
  });

  it("refuses to commit an incomplete export and deletes it", async () => {
    const store = new TargetCacheStore(root);
    const plan = await store.prepare("worker");
    const d = await writeCacheLayout(plan.to);
    await rm(blobFile(plan.to, d.layers[0]!));
    await expect(store.commit("worker", plan.to)).rejects.toMatchObject({ code: "CACHE_EXPORT_INVALID" });
    expect(await ls(path.join(root, ".tmp"))).toEqual([]);
  });

  it("serializes concurrent commits of one target and ends with one complete cache", async () => {
    const store = new TargetCacheStore(root);
    const plans = await Promise.all([1, 2, 3, 4, 5].map(() => store.prepare("worker")));
    await Promise.all(plans.map((p, i) => writeCacheLayout(p.to, 200 + i, String(i))));
    // A second store on the same root stands in for another replica.
    const replica = new TargetCacheStore(root);
    await Promise.all(plans.map((p, i) => (i % 2 ? replica : store).commit("worker", p.to)));
    expect((await validateCacheDir(path.join(root, "worker"))).ok).toBe(true);
    expect(await ls(path.join(root, ".tmp"))).toEqual([]);
    expect(await ls(path.join(root, ".trash"))).toEqual([]);
  });

  it("restores the old cache when a commit died between its renames, and removes exports of idle targets", async () => {
    const busy = new Set(["web"]);
    const store = new TargetCacheStore(root, { isTargetBusy: (t) => Promise.resolve(busy.has(t)) });
    await writeCacheLayout(path.join(root, ".trash", "worker-abc-1-0123abcd"));
    await writeCacheLayout(path.join(root, ".tmp", "worker-lz1-2-0123abcd"));
    await writeCacheLayout(path.join(root, ".tmp", "worker-read-lz1-2-0123abcd"));
    await mkdir(path.join(root, ".tmp", "web-lz1-3-0123abcd"));
    await mkdir(path.join(root, ".tmp", "web-read-lz1-3-0123abcd"));
    await writeCacheLayout(path.join(root, ".trash", "web-lz1-3-0123abcd"));
    expect((await store.sweepLeftovers()).sort()).toEqual([
      ".tmp/worker-lz1-2-0123abcd",
      ".tmp/worker-read-lz1-2-0123abcd",
      ".trash/worker-abc-1-0123abcd",
    ]);
    expect((await validateCacheDir(path.join(root, "worker"))).ok).toBe(true);
    // The busy target's build may still be exporting or swapping: untouched.
    expect(await ls(path.join(root, ".trash"))).toEqual(["web-lz1-3-0123abcd"]);
    expect(await ls(path.join(root, ".tmp"))).toEqual(["web-lz1-3-0123abcd", "web-read-lz1-3-0123abcd"]);
    busy.clear();
    await store.sweepLeftovers();
    expect(await ls(path.join(root, ".tmp"))).toEqual([]);
    expect((await validateCacheDir(path.join(root, "web"))).ok).toBe(true);
  });

  it("never sweeps its own plan's export and snapshot, and sweeps them once given up", async () => {
    // No target locks (isTargetBusy defaults to never busy): the store's own holds protect them.
    const store = new TargetCacheStore(root);
    const seed = await store.prepare("worker");
    await writeCacheLayout(seed.to);
    await store.commit("worker", seed.to);
    const plan = await store.prepare("worker");
    expect(plan.from).toBeDefined();
    expect(await store.sweepLeftovers()).toEqual([]);
    expect((await validateCacheDir(plan.from!)).ok).toBe(true);
    await store.release(plan);
    await store.discard(plan.to);
    // A leftover under the same name later (a crash of another process) is not held.
    await writeCacheLayout(plan.to);
    expect(await store.sweepLeftovers()).toEqual([`.tmp/${path.basename(plan.to)}`]);
  });

  it("never restores an evicted cache", async () => {
    const store = new TargetCacheStore(root);
    await writeCacheLayout(path.join(root, ".trash", "worker-evicted-lz1-2-0123abcd"));
    await store.sweepLeftovers();
    expect(await ls(root)).not.toContain("worker");
    expect(await ls(path.join(root, ".trash"))).toEqual([]);
  });

  it("counts exports and trash against the budget until swept, hard links once", async () => {
    const busy = new Set(["a"]);
    const store = new TargetCacheStore(root, { isTargetBusy: (t) => Promise.resolve(busy.has(t)) });
    await writeCacheLayout(path.join(root, "a"), 10_000, "a");
    const base = await store.totalBytes();
    const plan = await store.prepare("a"); // a linked snapshot and a seeded export: no new bytes
    expect(await store.totalBytes()).toBe(base);
    await writeCacheLayout(path.join(root, ".trash", "b-evicted-lz1-2-0123abcd"), 20_000, "q");
    expect(await store.totalBytes()).toBeGreaterThanOrEqual(base + 20_000);
    // Over budget: the idle target's leftover goes first, the busy one's export stays.
    const result = await store.enforceBudget(base + 1000, { protect: "a" });
    expect(result.evicted).toEqual([]);
    expect(await ls(path.join(root, ".trash"))).toEqual([]);
    expect(await ls(path.join(root, ".tmp"))).toEqual(
      [path.basename(plan.from!), path.basename(plan.to)].sort(),
    );
  });

  it("deletes a leftover trash entry when the target already has a cache", async () => {
    const store = new TargetCacheStore(root);
    await writeCacheLayout(path.join(root, "worker"), 100, "new");
    await writeCacheLayout(path.join(root, ".trash", "worker-abc-1-0123abcd"), 100, "old");
    await store.sweepLeftovers();
    expect(await ls(path.join(root, ".trash"))).toEqual([]);
    expect(await readFile(path.join(root, "worker", "index.json"), "utf8")).toBeTruthy();
  });

  it("evicts least recently used targets to stay under the budget, quarantined caches first", async () => {
    const store = new TargetCacheStore(root);
    for (const [t, at] of [
      ["a", 1000],
      ["b", 3000],
      ["c", 2000],
    ] as const) {
      await writeCacheLayout(path.join(root, t), 10_000, t);
      await store.touch(t);
      await utimes(path.join(root, ".used", t), at, at);
    }
    await writeCacheLayout(path.join(root, "d"), 10_000, "d");
    await store.quarantine("d", "unreadable");
    const sizes = await store.sizes();
    expect(Object.keys(sizes).sort()).toEqual(["a", "b", "c"]);
    const one = sizes.a!;
    const result = await store.enforceBudget(2 * one + 500, { protect: "a" });
    // Budget fits two caches: the quarantined one goes, then c (older than b; a is protected).
    expect(result.evicted).toEqual(["c"]);
    expect(await ls(path.join(root, ".broken"))).toEqual([]);
    expect(result.totalBytes).toBeLessThanOrEqual(2 * one + 500);
    expect(await store.totalBytes()).toBe(result.totalBytes);
  });

  it("does not keep a protected cache that alone exceeds the budget", async () => {
    const store = new TargetCacheStore(root);
    await writeCacheLayout(path.join(root, "big"), 50_000);
    const result = await store.enforceBudget(1000, { protect: "big" });
    expect(result.evicted).toEqual(["big"]);
    expect(await store.totalBytes()).toBe(0);
  });

  it("prune(0) removes every cache and crash leftover", async () => {
    const store = new TargetCacheStore(root);
    await writeCacheLayout(path.join(root, "a"));
    await writeCacheLayout(path.join(root, ".tmp", "a-x"));
    const result = await store.prune(0);
    expect(result.evicted).toEqual(["a"]);
    expect(result.totalBytes).toBe(0);
    expect(await ls(path.join(root, ".tmp"))).toEqual([]);
  });

  it.each(["../etc", "-rf", "Worker", "a/b", ""])("rejects the target name %j", async (name) => {
    const store = new TargetCacheStore(root);
    await expect(store.prepare(name)).rejects.toBeInstanceOf(CacheError);
  });

  it("refuses to discard a directory outside its .tmp", async () => {
    const store = new TargetCacheStore(root);
    await expect(store.discard(path.join(root, "worker"))).rejects.toMatchObject({
      code: "CACHE_INVALID_TARGET",
    });
    await expect(store.discard(os.tmpdir())).rejects.toMatchObject({ code: "CACHE_INVALID_TARGET" });
  });

  it("sizes() ignores the store's own folders", async () => {
    const store = new TargetCacheStore(root);
    await writeCacheLayout(path.join(root, "a"), 2000);
    await writeCacheLayout(path.join(root, ".tmp", "a-x"), 2000);
    await rename(path.join(root, ".tmp", "a-x"), path.join(root, ".tmp", "a-y"));
    expect(Object.keys(await store.sizes())).toEqual(["a"]);
  });
});
