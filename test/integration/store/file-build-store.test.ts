import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BuildStatus, LogLine } from "../../../common/build-record.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import { StoreError } from "../../../builder/src/store/store-error.js";
import { makeRecord } from "./make-record.js";

let dataDir: string;
let store: FileBuildStore;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "store-"));
  store = new FileBuildStore(dataDir);
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("records", () => {
  it("creates, reads and refuses a second create of one id, also when racing", async () => {
    const id = store.newBuildId();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        new FileBuildStore(dataDir).create(makeRecord(id, { attempt: i + 1 })),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT", status: 409 });
    }
    expect((await store.get(id))?.id).toBe(id);
    expect(await store.get(store.newBuildId())).toBeUndefined();
    expect(await store.get("../../etc/passwd")).toBeUndefined();
  });

  it("watchRecord sees each update made through this store, as a copy, until unsubscribed", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id));
    const seen: BuildStatus[] = [];
    const stop = store.watchRecord(id, (r) => {
      seen.push(r.status);
      r.status = "failed"; // a listener's copy is its own
    });
    const running = await store.update(id, (r) => {
      r.status = "running";
    });
    expect(running.status).toBe("running");
    stop();
    await store.update(id, (r) => {
      r.status = "succeeded";
    });
    expect(seen).toEqual(["running"]);
    expect((await store.get(id))?.status).toBe("succeeded");
  });

  it("ids are monotonic, so they sort by creation time", () => {
    const ids = Array.from({ length: 1000 }, () => store.newBuildId());
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^b_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("serializes concurrent updates of one id, so none is lost", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id));
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.update(id, (r) => {
          r.tags.push(`t${i}`);
        }),
      ),
    );
    const rec = await store.get(id);
    expect(rec?.tags).toHaveLength(50);
    expect(new Set(rec?.tags).size).toBe(50);
    const left = (await readdir(store.buildDir(id))).filter((n) => n.endsWith(".tmp"));
    expect(left).toEqual([]);
  });

  it("update can return a replacement record and rejects unknown ids and invalid records", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id));
    const next = await store.update(id, (r) => ({ ...r, status: "running" }));
    expect(next.status).toBe("running");
    await expect(store.update(store.newBuildId(), () => undefined)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(
      store.update(id, (r) => {
        (r as { status: string }).status = "exploded";
      }),
    ).rejects.toThrow();
    expect((await store.get(id))?.status).toBe("running");
  });

  it("never shows a torn write: a stale temp file from a crash is invisible", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id, { status: "running" }));
    const dir = store.buildDir(id);
    // What a crash between write and rename leaves behind: a partial temp file.
    await writeFile(path.join(dir, `.record.json.999.deadbeef.tmp`), '{"id": "' + id + '", "status": "succ');
    expect((await store.get(id))?.status).toBe("running");
    expect((await store.list({ limit: 10 })).builds.map((b) => b.status)).toEqual(["running"]);
    await store.update(id, (r) => {
      r.status = "succeeded";
    });
    expect(JSON.parse(await readFile(path.join(dir, "record.json"), "utf8")).status).toBe("succeeded");
  });

  it("an unreadable record is an INTERNAL error, not a silent undefined", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id));
    await writeFile(path.join(store.buildDir(id), "record.json"), "{not json");
    await expect(store.get(id)).rejects.toBeInstanceOf(StoreError);
  });
});

describe("list", () => {
  it("pages newest first and filters by target and status", async () => {
    const statuses: BuildStatus[] = ["succeeded", "failed", "running"];
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const id = store.newBuildId();
      ids.push(id);
      await store.create(makeRecord(id, { target: i % 2 ? "odd" : "even", status: statuses[i % 3]! }));
    }
    const newest = [...ids].reverse();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await store.list({ limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...res.builds.map((b) => b.id));
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    expect(seen).toEqual(newest);

    const odd = await store.list({ target: "odd", limit: 100 });
    expect(odd.builds.map((b) => b.id)).toEqual(newest.filter((id) => ids.indexOf(id) % 2 === 1));
    expect(odd.nextCursor).toBeNull();
    const failedEven = await store.list({ target: "even", status: "failed", limit: 100 });
    expect(failedEven.builds.map((b) => b.id)).toEqual(
      newest.filter((id) => ids.indexOf(id) % 2 === 0 && ids.indexOf(id) % 3 === 1),
    );
    const firstTwo = await store.list({ status: "running", limit: 2 });
    expect(firstTwo.builds).toHaveLength(2);
    const rest = await store.list({ status: "running", limit: 100, cursor: firstTwo.nextCursor! });
    expect(firstTwo.builds.length + rest.builds.length).toBe(8);
  });

  it("lists an empty store", async () => {
    expect(await store.list({ limit: 5 })).toEqual({ builds: [], nextCursor: null });
  });

  it("lists hundreds of builds quickly", async () => {
    for (let i = 0; i < 300; i++) await store.create(makeRecord(store.newBuildId()));
    const started = performance.now();
    const page = await store.list({ limit: 50, status: "queued" });
    const filteredAll = await store.list({ limit: 500, status: "failed" });
    const ms = performance.now() - started;
    expect(page.builds).toHaveLength(50);
    expect(filteredAll.builds).toHaveLength(0);
    expect(ms).toBeLessThan(2000);
  });
});

describe("logs", () => {
  it("appends 1000 lines in order with contiguous seqs, also when calls race", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id));
    const returned = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        store.appendLog(id, [{ stream: "stdout", line: `line ${i + 1}` }]),
      ),
    );
    expect(returned.map(([l]) => l!.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const log = await store.readLog(id);
    expect(log.map((l) => l.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(log.map((l) => l.line)).toEqual(Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`));
    expect((await store.readLog(id, 990)).map((l) => l.seq)).toEqual([
      991, 992, 993, 994, 995, 996, 997, 998, 999, 1000,
    ]);
    const text = await readFile(store.logPath(id), "utf8");
    expect(text.split("\n").filter(Boolean)).toHaveLength(1000);
  });

  it("continues seqs across a new store instance and past a torn last line", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id));
    await store.appendLog(id, [
      { stream: "stdout", line: "a" },
      { stream: "stderr", line: "b" },
    ]);
    const again = new FileBuildStore(dataDir);
    expect((await again.appendLog(id, [{ stream: "system", line: "c" }]))[0]!.seq).toBe(3);
    // The first instance must notice the file changed under it.
    expect((await store.appendLog(id, [{ stream: "stdout", line: "d" }]))[0]!.seq).toBe(4);
    // A crash mid-append leaves a partial line; it is skipped and seqs go on.
    await writeFile(store.logPath(id), '{"seq":5,"ts":"x","str', { flag: "a" });
    const third = new FileBuildStore(dataDir);
    expect((await third.appendLog(id, [{ stream: "stdout", line: "e" }]))[0]!.seq).toBe(5);
    expect((await third.readLog(id)).map((l) => `${l.seq}${l.line}`)).toEqual(["1a", "2b", "3c", "4d", "5e"]);
  });

  it("refuses to append to a build that does not exist", async () => {
    await expect(
      store.appendLog(store.newBuildId(), [{ stream: "stdout", line: "x" }]),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await store.readLog(store.newBuildId())).toEqual([]);
  });
});

describe("followLog", () => {
  async function collect(iter: AsyncIterable<LogLine>): Promise<LogLine[]> {
    const out: LogLine[] = [];
    for await (const line of iter) out.push(line);
    return out;
  }

  it("replays a finished build from afterSeq and ends", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id, { status: "running" }));
    await store.appendLog(
      id,
      [1, 2, 3, 4].map((n) => ({ stream: "stdout" as const, line: `l${n}` })),
    );
    await store.update(id, (r) => {
      r.status = "failed";
    });
    expect((await collect(store.followLog(id, { afterSeq: 2 }))).map((l) => l.line)).toEqual(["l3", "l4"]);
    expect(store.hub.stats()).toEqual({ pollers: 0, followers: 0 });
  });

  it("follows live lines in this process and ends when aborted", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id, { status: "running" }));
    await store.appendLog(id, [{ stream: "stdout", line: "before" }]);
    const ac = new AbortController();
    const seen: string[] = [];
    for await (const line of store.followLog(id, { signal: ac.signal, pollMs: 5000 })) {
      seen.push(line.line);
      if (seen.length < 3) await store.appendLog(id, [{ stream: "stdout", line: `after ${seen.length}` }]);
      else ac.abort();
    }
    // The 5 s poll interval never elapsed: in-process appends wake the poller at once.
    expect(seen).toEqual(["before", "after 1", "after 2"]);
    expect(store.hub.stats().pollers).toBe(0);
  });

  it("rejects following an unknown build", async () => {
    await expect(collect(store.followLog(store.newBuildId()))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
