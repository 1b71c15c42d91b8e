import { describe, expect, it } from "vitest";
import {
  addWarning,
  canEnd,
  endBuild,
  endPhase,
  interruptBuild,
  pendingPhases,
  recordCommit,
  recordOutputs,
  requeueBuild,
  startBuild,
  startPhase,
  TransitionError,
  type BuildEnd,
} from "../../../builder/src/store/record-lifecycle.js";
import { BUILD_STATUSES, type BuildRecord, type BuildStatus } from "../../../common/build-record.js";
import { makeBuildRecord } from "../../helpers/build-record.js";

const T0 = new Date("2026-11-26T10:00:00.000Z");
const T1 = new Date("2026-11-26T10:00:05.000Z");
const T2 = new Date("2026-11-26T10:00:12.000Z");

function inStatus(status: BuildStatus, over: Partial<BuildRecord> = {}): BuildRecord {
  const started = status === "queued" ? null : T0.toISOString();
  return makeBuildRecord({ status, startedAt: started, phases: pendingPhases(), ...over });
}

const END: Record<Exclude<BuildStatus, "queued" | "running">, BuildEnd> = {
  succeeded: { status: "succeeded" },
  failed: { status: "failed", code: "BUILD_FAILED", message: "exit 1" },
  cancelled: { status: "cancelled", code: "CANCELLED", message: "the build was cancelled" },
  interrupted: { status: "interrupted", code: "INTERRUPTED", message: "lease expired" },
};

/** Succeeded, failed and cancelled are final: every event is refused. */
const FINAL = {
  start: null,
  succeeded: null,
  failed: null,
  cancelled: null,
  interrupted: null,
  requeue: null,
};

// Every (from, event) pair: the status it leads to, or null when it is refused.
const TABLE: Record<BuildStatus, Record<string, BuildStatus | null>> = {
  queued: {
    start: "running",
    succeeded: null,
    failed: "failed",
    cancelled: "cancelled",
    interrupted: null,
    requeue: null,
  },
  running: {
    start: null,
    succeeded: "succeeded",
    failed: "failed",
    cancelled: "cancelled",
    interrupted: "interrupted",
    requeue: null,
  },
  interrupted: {
    start: null,
    succeeded: null,
    failed: null,
    cancelled: "cancelled",
    interrupted: null,
    requeue: "queued",
  },
  succeeded: FINAL,
  failed: FINAL,
  cancelled: FINAL,
};

function apply(record: BuildRecord, event: string): BuildRecord {
  if (event === "start") return startBuild(record, T1);
  if (event === "requeue") return requeueBuild(record);
  return endBuild(record, END[event as keyof typeof END], T1);
}

describe("build record lifecycle", () => {
  it("covers every status", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...BUILD_STATUSES].sort());
  });

  for (const from of BUILD_STATUSES) {
    for (const [event, to] of Object.entries(TABLE[from])) {
      it(`${from} + ${event} → ${to ?? "refused"}`, () => {
        const record = inStatus(from);
        const before = structuredClone(record);
        if (to === null) {
          expect(() => apply(record, event)).toThrow(TransitionError);
          expect(() => apply(record, event)).toThrow(new RegExp(`^build ${record.id}: cannot .*${from}`));
        } else {
          expect(apply(record, event).status).toBe(to);
          if (event !== "start" && event !== "requeue") expect(canEnd(from, event as never)).toBe(true);
        }
        expect(record).toEqual(before); // pure: the argument is never edited
      });
    }
  }

  it("start: running from now, no end, no error", () => {
    const r = startBuild(inStatus("queued", { error: { code: "INTERNAL", message: "x" } }), T1);
    expect(r).toMatchObject({
      status: "running",
      startedAt: T1.toISOString(),
      finishedAt: null,
      error: null,
    });
  });

  it("end: a running phase is cancelled, pending ones skipped as not reached, ended ones kept", () => {
    let r = startPhase(inStatus("running"), "source", T0);
    r = endPhase(r, "source", { status: "succeeded" }, T1);
    r = startPhase(r, "build", T1);
    const ended = endBuild(r, END.failed, T2);
    expect(ended).toMatchObject({
      status: "failed",
      error: { code: "BUILD_FAILED", message: "exit 1" },
      finishedAt: T2.toISOString(),
      durationMs: 12_000,
    });
    const byName = Object.fromEntries(ended.phases.map((p) => [p.name, p]));
    expect(byName.source).toMatchObject({ status: "succeeded", durationMs: 5_000 });
    expect(byName.build).toMatchObject({
      status: "cancelled",
      finishedAt: T2.toISOString(),
      durationMs: 7_000,
    });
    for (const name of ["push", "smoke", "tag", "backup"])
      expect(byName[name]).toMatchObject({ status: "skipped", message: "not reached", startedAt: null });
  });

  it("end: the same rule whatever ended it (cancel, timeout, interrupt)", () => {
    const r = startPhase(inStatus("running"), "push", T1);
    for (const end of [END.cancelled, END.interrupted, { ...END.failed, code: "TIMEOUT" as const }]) {
      expect(endBuild(r, end, T2).phases.find((p) => p.name === "push")!.status).toBe("cancelled");
    }
    expect(interruptBuild(r, "lease expired", T2)).toMatchObject({
      status: "interrupted",
      error: { code: "INTERRUPTED", message: "lease expired" },
    });
  });

  it("end: a build cannot succeed while a phase runs; queued builds end without a duration", () => {
    const r = startPhase(inStatus("running"), "smoke", T1);
    expect(() => endBuild(r, END.succeeded, T2)).toThrow(/cannot succeed while phase smoke is running/);
    const cancelled = endBuild(inStatus("queued"), END.cancelled, T2);
    expect(cancelled).toMatchObject({ status: "cancelled", startedAt: null, durationMs: null });
    expect(cancelled.phases.every((p) => p.status === "skipped")).toBe(true);
  });

  it("requeue: attempt n+1, queued, fresh phases, no outputs of attempt n", () => {
    let r = startPhase(inStatus("running", { attempt: 2 }), "build", T0);
    r = recordOutputs(r, { digest: "sha256:1", cache: null, smoke: null });
    r = addWarning(r, "unused build arg");
    r = interruptBuild(r, "lease expired", T1);
    const q = requeueBuild(r);
    expect(q).toMatchObject({
      status: "queued",
      attempt: 3,
      error: null,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      digest: null,
    });
    expect(q.phases).toEqual(pendingPhases());
    expect(q).not.toHaveProperty("warnings");
    expect(q).not.toHaveProperty("cache");
  });

  describe("phases", () => {
    it("pending → running → each outcome, with its duration and message", () => {
      for (const status of ["succeeded", "failed", "skipped", "cancelled"] as const) {
        const r = endPhase(startPhase(inStatus("running"), "tag", T1), "tag", { status, message: "m" }, T2);
        expect(r.phases.find((p) => p.name === "tag")).toEqual({
          name: "tag",
          status,
          startedAt: T1.toISOString(),
          finishedAt: T2.toISOString(),
          durationMs: 7_000,
          message: "m",
        });
      }
    });

    it("refuses a phase out of order or outside a running build", () => {
      const running = startPhase(inStatus("running"), "build", T1);
      expect(() => startPhase(running, "build", T1)).toThrow(/cannot start phase build: it is running/);
      expect(() => endPhase(running, "push", { status: "failed" }, T1)).toThrow(
        /cannot end phase push: it is pending/,
      );
      const done = endPhase(running, "build", { status: "failed" }, T2);
      expect(() => endPhase(done, "build", { status: "succeeded" }, T2)).toThrow(/it is failed/);
      for (const status of BUILD_STATUSES.filter((s) => s !== "running")) {
        expect(() => startPhase(inStatus(status), "source", T1)).toThrow(TransitionError);
        expect(() => endPhase(inStatus(status), "source", { status: "failed" }, T1)).toThrow(TransitionError);
        expect(() => recordOutputs(inStatus(status), { digest: "sha256:1" })).toThrow(TransitionError);
        expect(() => addWarning(inStatus(status), "w")).toThrow(TransitionError);
        expect(() => recordCommit(inStatus(status), "abc")).toThrow(TransitionError);
      }
    });

    it("adds a phase an older record does not have when it is reached", () => {
      const old = inStatus("running", { phases: pendingPhases().filter((p) => p.name !== "tag") });
      const r = startPhase(old, "tag", T1);
      expect(r.phases.find((p) => p.name === "tag")).toMatchObject({ status: "running" });
    });
  });

  it("outputs and the resolved commit are written while running", () => {
    const git = inStatus("running", { source: { kind: "git", name: "s", ref: "main", commit: null } });
    expect(recordCommit(git, "abc").source).toMatchObject({ commit: "abc" });
    expect(recordCommit(inStatus("running"), undefined).source).toEqual({ kind: "path", name: "examples" });
    const warned = addWarning(addWarning(inStatus("running"), "a"), "b");
    expect(warned.warnings).toEqual(["a", "b"]);
    const pushed = [{ ref: "r@sha256:1", digest: "sha256:1" }];
    expect(recordOutputs(inStatus("running"), { pushed })).toMatchObject({ pushed });
  });
});
