import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LogLine } from "../../../common/build-record.js";
import { run } from "../../../builder/src/process/spawn.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import { waitFor } from "../../helpers/wait-for.js";
import { makeRecord } from "./make-record.js";

let dataDir: string;
let store: FileBuildStore;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "follow-"));
  store = new FileBuildStore(dataDir);
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("followLog across processes and followers", () => {
  it("sees lines a separate node process appends, live, and ends at its terminal status", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id, { status: "running" }));
    const ac = new AbortController();
    const child = run(
      [process.execPath, "--import", "tsx", "test/integration/store/append-from-child.ts", dataDir, id, "5"],
      { signal: ac.signal },
    );
    const seen: LogLine[] = [];
    try {
      for await (const line of store.followLog(id, { pollMs: 20 })) {
        seen.push(line);
        // The child writes line n+1 only after this ack, so each line was seen live.
        await writeFile(path.join(dataDir, `ack-${line.seq}`), "");
      }
    } catch (err) {
      ac.abort(); // only on failure: after the last line the child still exits on its own
      throw err;
    }
    const result = await child;
    expect(result.stderr.join("\n")).toBe("");
    expect(result.exitCode).toBe(0);
    expect(seen.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(
      seen.every((l) => l.line.startsWith("child line ") && !l.line.endsWith(`pid ${process.pid}`)),
    ).toBe(true);
    expect((await store.get(id))?.status).toBe("succeeded");
  });

  it("200 followers of one build share one poller and all get every line", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id, { status: "running" }));
    await store.appendLog(id, [{ stream: "system", line: "start" }]);
    const rssBefore = process.memoryUsage().rss;
    const followers = Array.from({ length: 200 }, async (_, i) => {
      const lines: number[] = [];
      for await (const line of store.followLog(id, { afterSeq: i % 2, pollMs: 50 })) lines.push(line.seq);
      return lines;
    });
    await waitFor(() => store.hub.stats().followers === 200, { what: "200 followers joined" });
    expect(store.hub.stats().pollers).toBe(1);
    for (let batch = 0; batch < 20; batch++) {
      await store.appendLog(
        id,
        Array.from({ length: 50 }, (_, j) => ({
          stream: "stdout" as const,
          line: `b${batch} l${j} ${"x".repeat(80)}`,
        })),
      );
    }
    await store.update(id, (r) => {
      r.status = "succeeded";
    });
    const results = await Promise.all(followers);
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1e6;
    const all = Array.from({ length: 1001 }, (_, k) => k + 1);
    results.forEach((lines, i) => expect(lines).toEqual(all.slice(i % 2)));
    expect(store.hub.stats()).toEqual({ pollers: 0, followers: 0 });
    expect(rssGrowthMb).toBeLessThan(100);
  });

  it("a follower that joins late, mid-stream, still gets every line exactly once", async () => {
    const id = store.newBuildId();
    await store.create(makeRecord(id, { status: "running" }));
    const early = (async () => {
      const seqs: number[] = [];
      for await (const l of store.followLog(id, { pollMs: 10 })) seqs.push(l.seq);
      return seqs;
    })();
    const lateSeqs: number[] = [];
    let late: Promise<void> | undefined;
    for (let i = 1; i <= 300; i++) {
      await store.appendLog(id, [{ stream: "stdout", line: `n${i}` }]);
      if (i === 150) {
        late = (async () => {
          for await (const l of store.followLog(id, { pollMs: 10 })) lateSeqs.push(l.seq);
        })();
      }
    }
    await store.update(id, (r) => {
      r.status = "cancelled";
    });
    const all = Array.from({ length: 300 }, (_, k) => k + 1);
    expect(await early).toEqual(all);
    await late;
    expect(lateSeqs).toEqual(all);
  });
});
