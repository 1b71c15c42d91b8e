import { describe, expect, it } from "vitest";
import { LocalBuilds } from "../../../builder/src/jobs/local-builds.js";
import type { BuildRecord } from "../../../common/build-record.js";
import { makeBuildRecord } from "../../helpers/build-record.js";

/** A build that, once aborted, still needs `cleanupMs` before it ends (as a runner stopping buildx does). */
function slowToStop(record: BuildRecord, cleanupMs: number, log: string[]) {
  return (controller: AbortController) =>
    new Promise<BuildRecord>((resolve) => {
      controller.signal.addEventListener("abort", () => {
        log.push(`${record.id} aborted: ${(controller.signal.reason as { code: string }).code}`);
        setTimeout(() => {
          log.push(`${record.id} ended`);
          resolve({ ...record, status: "cancelled" });
        }, cleanupMs);
      });
    });
}

describe("LocalBuilds", () => {
  it("has room for `concurrency` builds, one per target, and frees a slot only when the build ended", async () => {
    const log: string[] = [];
    const ends: string[] = [];
    const local = new LocalBuilds(2, () => undefined);
    const a = makeBuildRecord({ id: "b_a", target: "x" });
    const b = makeBuildRecord({ id: "b_b", target: "y" });
    local.start(a, slowToStop(a, 50, log), () => ends.push("a"));
    expect(local.hasRoom()).toBe(true);
    expect(local.runsTarget("x")).toBe(true);
    expect(local.runsTarget("y")).toBe(false);
    local.start(b, slowToStop(b, 10, log), () => ends.push("b"));
    expect(local.hasRoom()).toBe(false);
    expect(local.ids()).toEqual(["b_a", "b_b"]);

    expect(local.abort("b_a", { code: "CANCELLED" })).toEqual({ code: "CANCELLED" });
    expect(local.abort("b_nope", { code: "CANCELLED" })).toBeUndefined();
    expect(local.has("b_a")).toBe(true); // still stopping
    expect(await local.get("b_a")!.done).toMatchObject({ id: "b_a", status: "cancelled" });
    expect(local.has("b_a")).toBe(false);
    expect(ends).toEqual(["a"]);
    expect(local.hasRoom()).toBe(true);

    expect(local.abortAll({ code: "INTERRUPTED" })).toEqual(["b_b"]);
    // A cancel while it stops learns the build is stopping for another reason (BuildService
    // then writes a durable cancel request, so a requeue does not run it again).
    expect(local.abort("b_b", { code: "CANCELLED" })).toEqual({ code: "INTERRUPTED" });
    await local.onIdle();
    expect(log).toEqual(["b_a aborted: CANCELLED", "b_a ended", "b_b aborted: INTERRUPTED", "b_b ended"]);
    expect(local.size).toBe(0);
  });

  it("onIdle waits for every build to end, not for its abort", async () => {
    const log: string[] = [];
    const local = new LocalBuilds(1, () => undefined);
    const a = makeBuildRecord({ id: "b_a" });
    local.start(a, slowToStop(a, 80, log), () => undefined);
    local.abortAll({ code: "INTERRUPTED" });
    await local.onIdle();
    expect(log).toEqual(["b_a aborted: INTERRUPTED", "b_a ended"]);
  });

  it("reports a build that threw and still frees its slot", async () => {
    const errors: [string, unknown][] = [];
    const local = new LocalBuilds(1, (id, err) => errors.push([id, err]));
    const a = makeBuildRecord({ id: "b_a" });
    const boom = new Error("boom");
    const build = local.start(
      a,
      () => Promise.reject(boom),
      () => undefined,
    );
    expect(await build.done).toBeUndefined();
    expect(errors).toEqual([["b_a", boom]]);
    expect(local.hasRoom()).toBe(true);
  });
});
