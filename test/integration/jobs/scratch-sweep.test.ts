// Per-build scratch is swept once its build runs nowhere: at once when its owner process
// is verifiably dead, otherwise when the records and leases say no replica runs it.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildJobContext, type JobContext } from "../../../builder/src/jobs/job-context.js";
import { buildLease } from "../../../builder/src/jobs/leases.js";
import { sweepScratch } from "../../../builder/src/jobs/scratch-sweep.js";
import { resolveSelfIdentity, writeOwnerFile } from "../../../builder/src/process/process-identity.js";
import { SCRATCH_OWNER_FILE } from "../../../builder/src/runner/port.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import { makeBuildRecord } from "../../helpers/build-record.js";
import { TEST_CONFIG, TEST_SETTINGS } from "./helpers/replica.js";

let dataDir: string;
let scratch: string;
let ctx: JobContext;
let store: FileBuildStore;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "scratch-data-"));
  scratch = await mkdtemp(path.join(os.tmpdir(), "scratch-root-"));
  store = new FileBuildStore(dataDir);
  ctx = buildJobContext({
    store,
    config: TEST_CONFIG,
    dataDir,
    executor: { run: (r) => Promise.resolve(r) },
    settings: TEST_SETTINGS,
    resolveRef: () => Promise.reject(new Error("not used")),
    owner: "sweeper-test",
  });
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

async function scratchOf(id: string, owner?: object): Promise<void> {
  await mkdir(path.join(scratch, id, "docker-config"), { recursive: true });
  await writeFile(path.join(scratch, id, "docker-config", "config.json"), "{}");
  if (owner) await writeFile(path.join(scratch, id, SCRATCH_OWNER_FILE), JSON.stringify(owner));
}

describe("sweepScratch", () => {
  it("keeps a live owner's and a running build's scratch; removes a dead owner's and an ended build's", async () => {
    const me = await resolveSelfIdentity();
    const sleeper = spawn("sleep", ["30"]);
    const exited = new Promise((r) => sleeper.once("exit", r));
    try {
      const { readFile } = await import("node:fs/promises");
      const stat = await readFile(`/proc/${sleeper.pid}/stat`, "utf8");
      const live = {
        ...me,
        pid: sleeper.pid!,
        startTicks: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!,
      };
      await scratchOf("b_live", live);
      await scratchOf("b_dead", { ...me, pid: sleeper.pid!, startTicks: "1" });
      await scratchOf("b_mine");
      await writeOwnerFile(path.join(scratch, "b_mine", SCRATCH_OWNER_FILE));
      // Scratch whose owner cannot be checked (another host): the records decide.
      const elsewhere = { ...me, host: "other-host" };
      await store.create(makeBuildRecord({ id: "b_running", status: "running", attempt: 1 }));
      await ctx.coord.writeLease(buildLease("other-replica", "b_running", 1, new Date(), 60_000));
      await scratchOf("b_running", elsewhere);
      await store.create(makeBuildRecord({ id: "b_ended", status: "failed", attempt: 1 }));
      await scratchOf("b_ended", elsewhere);
      const old = new Date(Date.now() - 120_000);
      await utimes(path.join(scratch, "b_ended"), old, old);
      await mkdir(path.join(scratch, "not a build id"));

      const removed = await sweepScratch(ctx, scratch, (id) => id === "b_mine");
      expect(removed.sort()).toEqual(["b_dead", "b_ended"]);
      expect((await readdir(scratch)).sort()).toEqual(["b_live", "b_mine", "b_running", "not a build id"]);
      // This process's scratch of a build not running in this runtime: another runtime in the
      // same process (a second service on the data dir) may run it, so its record and lease
      // decide. Running there, it stays however old it is...
      await store.create(makeBuildRecord({ id: "b_mine", status: "running", attempt: 1 }));
      await ctx.coord.writeLease(buildLease("same-process-replica", "b_mine", 1, new Date(), 60_000));
      await utimes(path.join(scratch, "b_mine"), old, old);
      expect(await sweepScratch(ctx, scratch, () => false)).toEqual([]);
      // ...and once that build ended, it is a cleanup that failed.
      await store.update("b_mine", (r) => ({ ...r, status: "failed" }));
      expect(await sweepScratch(ctx, scratch, () => false)).toEqual(["b_mine"]);
    } finally {
      sleeper.kill("SIGKILL");
      await exited;
    }
  });
});
