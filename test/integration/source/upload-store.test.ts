// The uploads dir's moves: publish (first copy wins), retention deletes that a concurrent
// submit's touch undoes, and crash leftovers told apart by their owner.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveSelfIdentity } from "../../../builder/src/process/process-identity.js";
import { UploadStore } from "../../../builder/src/source/upload-store.js";

const SHA = "a".repeat(64);
let root: string;
let store: UploadStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "upload-store-"));
  store = new UploadStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function stage(content: string) {
  const incoming = await store.createIncoming();
  await mkdir(incoming.dest);
  await writeFile(path.join(incoming.dest, "Dockerfile"), content);
  return incoming;
}

describe("UploadStore", () => {
  it("publishes an upload under its digest; the same bytes again keep the first copy", async () => {
    const first = await store.publish(await stage("FROM a"), SHA);
    expect(first).toEqual({ dir: path.join(root, SHA), created: true });
    const again = await store.publish(await stage("FROM a"), SHA);
    expect(again.created).toBe(false);
    expect(await readdir(root)).toEqual([SHA]);
  });

  it("removes an unused context past its time, but not one a build needs or a submit just touched", async () => {
    await store.publish(await stage("FROM a"), SHA);
    const old = new Date(Date.now() - 60_000);
    await utimes(path.join(root, SHA), old, old);
    const cutoff = Date.now() - 30_000;
    expect(await store.removeIfUnused(SHA, cutoff, () => Promise.resolve(true))).toBe(false);
    // A submit touches the context between the sweep's look and its rename: it stays.
    await utimes(path.join(root, SHA), old, old);
    const racing = store.removeIfUnused(SHA, cutoff, async () => {
      await store.touch(SHA);
      return false;
    });
    expect(await racing).toBe(false);
    expect(await readdir(root)).toEqual([SHA]);
    await utimes(path.join(root, SHA), old, old);
    expect(await store.removeIfUnused(SHA, cutoff, () => Promise.resolve(false))).toBe(true);
    expect(await readdir(root)).toEqual([]);
    expect(await store.touch(SHA)).toBe(false);
  });

  it("sweeps incoming uploads of dead owners and silent ones, never a live one's", async () => {
    const mine = await stage("live");
    // One left by a process that has exited (same host): gone at once.
    const dead = path.join(root, ".incoming-dead");
    await mkdir(dead);
    const child = spawn("true");
    await new Promise((r) => child.once("exit", r));
    const me = await resolveSelfIdentity();
    await writeFile(
      path.join(dead, "owner.json"),
      JSON.stringify({ ...me, pid: child.pid, startTicks: "1" }),
    );
    // One from another host: only its silence tells, here 10 minutes of it.
    const remote = path.join(root, ".incoming-remote");
    await mkdir(remote);
    await writeFile(path.join(remote, "owner.json"), JSON.stringify({ ...me, host: "elsewhere" }));
    const quiet = new Date(Date.now() - 600_000);
    await utimes(path.join(remote, "owner.json"), quiet, quiet);
    const fresh = path.join(root, ".incoming-remote-busy");
    await mkdir(fresh);
    await writeFile(path.join(fresh, "owner.json"), JSON.stringify({ ...me, host: "elsewhere" }));
    expect((await store.sweepLeftovers(60_000)).sort()).toEqual([".incoming-dead", ".incoming-remote"]);
    expect((await readdir(root)).sort()).toEqual(
      [".incoming-remote-busy", path.basename(path.dirname(mine.dest))].sort(),
    );
    // The live upload's heartbeat keeps it fresh.
    await mine.heartbeat();
    expect((await stat(path.join(path.dirname(mine.dest), "owner.json"))).mtimeMs).toBeGreaterThan(
      Date.now() - 5000,
    );
    expect(await readFile(path.join(mine.dest, "Dockerfile"), "utf8")).toBe("live");
  });
});
