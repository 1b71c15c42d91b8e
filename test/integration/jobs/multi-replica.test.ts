// Two replicas on one data dir, with real processes: visibility, exactly-once claims
// under a race, and recovery of a SIGKILLed replica's build as attempt 2.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { BuildService } from "../../../builder/src/jobs/build-service.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import { waitFor } from "../../helpers/wait-for.js";
import { createReplica, makeDataDir } from "./helpers/replica.js";

const api = { kind: "api" } as const;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup(): Promise<{ dir: string; a: BuildService; b: BuildService; store: FileBuildStore }> {
  const data = await makeDataDir();
  const a = createReplica(data.dir, "replica-a");
  const b = createReplica(data.dir, "replica-b");
  cleanups.push(
    data.remove,
    () => a.drain(0).then(() => undefined),
    () => b.drain(0).then(() => undefined),
  );
  return { dir: data.dir, a, b, store: new FileBuildStore(data.dir) };
}

describe("two replicas on one data dir", () => {
  it("a build submitted to A is seen and run by B", async () => {
    const { a, b } = await setup();
    b.start();
    const { record } = await a.submit(
      { target: "a", buildArgs: { SCRIPT: "echo from-b" } },
      { trigger: api },
    );
    expect((await b.list({ limit: 10 })).builds.map((r) => r.id)).toContain(record.id);
    const end = await b.waitForEnd(record.id, AbortSignal.timeout(20_000));
    expect(end.status).toBe("succeeded");
  });

  it("runs each of 20 builds submitted across both replicas exactly once", async () => {
    const { a, b, store } = await setup();
    a.start();
    b.start();
    const targets = ["a", "b", "c"];
    const submitted = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).submit(
          { target: targets[i % 3]!, buildArgs: { SCRIPT: `echo run-${i}`, N: String(i) } },
          { trigger: api },
        ),
      ),
    );
    const ids = submitted.map((s) => s.record.id);
    expect(new Set(ids).size).toBe(20);
    const ends = await Promise.all(ids.map((id) => a.waitForEnd(id, AbortSignal.timeout(60_000))));
    expect(ends.every((r) => r.status === "succeeded" && r.attempt === 1)).toBe(true);
    for (const [i, id] of ids.entries()) {
      const lines = (await store.readLog(id)).map((l) => l.line);
      expect(lines.filter((l) => l === `run-${i}`)).toHaveLength(1);
      expect(lines.filter((l) => l.includes("claimed by replica"))).toHaveLength(1);
    }
  });

  it("recovers the build of a SIGKILLed replica as attempt 2, keeping attempt 1's log", async () => {
    const { dir, b, store } = await setup();
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "helpers/replica-main.ts"), dir, "doomed"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    cleanups.push(() => void child.kill("SIGKILL"));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (l) => l === "ready" && resolve());
      child.once("exit", (code) => reject(new Error(`replica exited with ${code}`)));
    });
    // Attempt 1 prints a marker and hangs; attempt 2 (same script, found marker) succeeds.
    const marker = path.join(dir, "attempted");
    const script = `if [ -e ${marker} ]; then echo second-attempt; else touch ${marker}; echo first-attempt; sleep 30; fi`;
    const { record } = await b.submit({ target: "a", buildArgs: { SCRIPT: script } }, { trigger: api });
    const lines = async () => (await store.readLog(record.id)).map((l) => l.line);
    await waitFor(async () => (await lines()).includes("first-attempt"), {
      what: "attempt 1 to start in the child replica",
    });
    const pid = Number((await lines()).find((l) => l.startsWith("pid "))!.slice(4));
    cleanups.push(() => {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // Already gone: the orphaned script was killed or ended.
      }
    });
    child.kill("SIGKILL");
    b.start();
    const end = await b.waitForEnd(record.id, AbortSignal.timeout(30_000));
    expect(end).toMatchObject({ status: "succeeded", attempt: 2 });
    const all = await lines();
    expect(all).toContain("first-attempt");
    expect(all).toContain("second-attempt");
    expect(all.some((l) => l.includes("replica doomed stopped renewing the lease of attempt 1"))).toBe(true);
    expect(all.some((l) => l.startsWith("requeued as attempt 2"))).toBe(true);
    const seqs = (await store.readLog(record.id)).map((l) => l.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});
