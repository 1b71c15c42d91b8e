// Which phase events a stream sends for a sequence of records it sees (http/phase-events.ts).
import { describe, expect, it } from "vitest";
import type { Phase } from "../../../common/build-record.js";
import { diffPhases, type SentPhases } from "../../../builder/src/http/phase-events.js";
import { makeBuildRecord } from "../../helpers/build-record.js";

const T0 = "2026-11-23T01:00:00.000Z";
const T1 = "2026-11-23T01:00:02.000Z";
const pending = (name: Phase["name"]): Phase => ({
  name,
  status: "pending",
  startedAt: null,
  finishedAt: null,
  durationMs: null,
});
const running = (name: Phase["name"], at = T0): Phase => ({
  ...pending(name),
  status: "running",
  startedAt: at,
});
const ended = (name: Phase["name"], status: Phase["status"], message?: string): Phase => ({
  name,
  status,
  startedAt: status === "skipped" && message === "not reached" ? null : T0,
  finishedAt: T1,
  durationMs: 2000,
  ...(message ? { message } : {}),
});
const rec = (...phases: Phase[]) => makeBuildRecord({ phases });
/** The events as `name status` for compact tables. */
const seen = (sent: SentPhases, ...phases: Phase[]) =>
  diffPhases(sent, rec(...phases)).map((e) => `${e.name} ${e.status}`);

describe("diffPhases", () => {
  it("a new stream is told only the phases under way or done (the state it joined)", () => {
    const sent: SentPhases = new Map();
    expect(seen(sent, ended("source", "succeeded"), running("build"), pending("push"))).toEqual([
      "source succeeded",
      "build running",
    ]);
    expect(seen(sent, ended("source", "succeeded"), running("build"), pending("push"))).toEqual([]);
  });

  it("follows a build phase by phase, each change once", () => {
    const sent: SentPhases = new Map();
    const steps: Phase[][] = [
      [pending("source"), pending("build")],
      [running("source"), pending("build")],
      [ended("source", "succeeded"), pending("build")],
      [ended("source", "succeeded"), running("build")],
      [ended("source", "succeeded"), ended("build", "failed", "exit code 3")],
    ];
    expect(steps.flatMap((phases) => seen(sent, ...phases))).toEqual([
      "source running",
      "source succeeded",
      "build running",
      "build failed",
    ]);
  });

  it("a phase that started and ended between two reads is reported started, then ended", () => {
    const sent: SentPhases = new Map();
    seen(sent, pending("push"), pending("smoke"));
    const events = diffPhases(sent, rec(ended("push", "succeeded"), ended("smoke", "skipped", "smoke off")));
    expect(events).toEqual([
      { name: "push", status: "running", startedAt: T0, finishedAt: null, durationMs: null },
      { name: "push", status: "succeeded", startedAt: T0, finishedAt: T1, durationMs: 2000 },
      { name: "smoke", status: "running", startedAt: T0, finishedAt: null, durationMs: null },
      {
        name: "smoke",
        status: "skipped",
        startedAt: T0,
        finishedAt: T1,
        durationMs: 2000,
        message: "smoke off",
      },
    ]);
  });

  it("a phase skipped without starting (not reached) has no start; a retried attempt starts over", () => {
    const sent: SentPhases = new Map();
    seen(sent, running("build"), pending("backup"));
    expect(seen(sent, ended("build", "failed"), ended("backup", "skipped", "not reached"))).toEqual([
      "build failed",
      "backup skipped",
    ]);
    // Requeued: phases back to pending, then running again at a new time.
    expect(seen(sent, pending("build"), pending("backup"))).toEqual(["build pending", "backup pending"]);
    expect(seen(sent, running("build", T1), pending("backup"))).toEqual(["build running"]);
  });
});
