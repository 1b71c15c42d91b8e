// The one owner of a build record's lifecycle. Every change of a record's status, of a
// phase, or of what an attempt produced goes through a function here, whichever path makes
// it (the job loop, the runner, recovery, cancel, the queue TTL). Each function is pure:
// it returns a new record and leaves its argument alone, so `store.update(id, (r) =>
// endBuild(r, …))` is the whole write. A transition the table below does not allow throws
// TransitionError instead of writing a record no reader could explain.
//
//   queued      → running (start) · cancelled (cancel) · failed (queue TTL)
//   running     → succeeded · failed · cancelled · interrupted (end, interrupt)
//   interrupted → queued (requeue as attempt n+1) · cancelled (cancel while interrupted)
//   succeeded, failed, cancelled → nothing: an ended build is never rewritten
//
// Phases: pending → running (startPhase) → succeeded · failed · skipped · cancelled (endPhase).
//
// When a build ends while a phase is still running, that phase becomes `cancelled`, never
// `failed`, whatever ended the build: the phase did not fail by itself, it was cut off
// (a cancel, a timeout, a lost lease, a replica shutting down, a crash of the runner), and
// the build's own `error` says which. A phase that failed by itself was already ended
// `failed` by the runner (endPhase) before the build ended. Pending phases become `skipped`
// ("not reached"). A build only succeeds once no phase is running.
import type {
  BuildRecord,
  BuildStatus,
  ErrorCode,
  Phase,
  PhaseName,
  PhaseStatus,
} from "../../../common/build-record.js";
import { PHASE_NAMES } from "../../../common/build-record.js";

/** A transition the lifecycle does not allow from the record's current state. */
export class TransitionError extends Error {
  constructor(
    readonly id: string,
    message: string,
  ) {
    super(`build ${id}: ${message}`);
    this.name = "TransitionError";
  }
}

export type EndedStatus = Exclude<BuildStatus, "queued" | "running">;
export type BuildEnd =
  { status: "succeeded" } | { status: Exclude<EndedStatus, "succeeded">; code: ErrorCode; message: string };
export type PhaseEnd = { status: Exclude<PhaseStatus, "pending" | "running">; message?: string };

/** What an attempt produces while it runs; requeue clears all of it for the next attempt. */
export type AttemptOutputs = Pick<
  BuildRecord,
  "digest" | "pushed" | "published" | "smoke" | "backup" | "cache" | "warnings"
>;

const ENDS_FROM: Record<BuildStatus, readonly EndedStatus[]> = {
  queued: ["cancelled", "failed"],
  running: ["succeeded", "failed", "cancelled", "interrupted"],
  interrupted: ["cancelled"],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/** True when `endBuild(record, { status })` is allowed. */
export function canEnd(from: BuildStatus, to: EndedStatus): boolean {
  return ENDS_FROM[from].includes(to);
}

/** All phases pending: a new record, and each new attempt. */
export function pendingPhases(): Phase[] {
  return PHASE_NAMES.map((name) => ({
    name,
    status: "pending",
    startedAt: null,
    finishedAt: null,
    durationMs: null,
  }));
}

/** queued → running: the replica that claimed the attempt starts it. */
export function startBuild(record: BuildRecord, now: Date): BuildRecord {
  expectStatus(record, "start", ["queued"]);
  return {
    ...copy(record),
    status: "running",
    startedAt: now.toISOString(),
    finishedAt: null,
    durationMs: null,
    error: null,
  };
}

/** Ends the build (see the table above); a running phase is cancelled, pending ones skipped. */
export function endBuild(record: BuildRecord, end: BuildEnd, now: Date): BuildRecord {
  if (!canEnd(record.status, end.status))
    throw new TransitionError(record.id, `cannot end as ${end.status} a build that is ${record.status}`);
  const next = copy(record);
  if (end.status === "succeeded") {
    const open = next.phases.find((p) => p.status === "running");
    if (open) throw new TransitionError(record.id, `cannot succeed while phase ${open.name} is running`);
  }
  next.status = end.status;
  next.error = end.status === "succeeded" ? null : { code: end.code, message: end.message };
  next.finishedAt = now.toISOString();
  next.durationMs = next.startedAt ? elapsed(next.startedAt, now) : null;
  next.phases = next.phases.map((p) => {
    if (p.status === "running")
      return {
        ...p,
        status: "cancelled",
        finishedAt: now.toISOString(),
        durationMs: elapsed(p.startedAt, now),
      };
    if (p.status === "pending") return { ...p, status: "skipped", message: p.message ?? "not reached" };
    return p;
  });
  return next;
}

/** running → interrupted: the attempt's replica stopped (lease expired, shutdown). */
export function interruptBuild(record: BuildRecord, message: string, now: Date): BuildRecord {
  return endBuild(record, { status: "interrupted", code: "INTERRUPTED", message }, now);
}

/** interrupted → queued as attempt n+1 with fresh phases and no outputs; the log keeps attempt n. */
export function requeueBuild(record: BuildRecord): BuildRecord {
  expectStatus(record, "requeue", ["interrupted"]);
  const next: BuildRecord = {
    ...copy(record),
    status: "queued",
    attempt: record.attempt + 1,
    error: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    digest: null,
    smoke: null,
    backup: null,
    phases: pendingPhases(),
  };
  delete next.pushed;
  delete next.published;
  delete next.cache;
  delete next.warnings;
  return next;
}

/** pending → running, while the build runs. */
export function startPhase(record: BuildRecord, name: PhaseName, now: Date): BuildRecord {
  expectStatus(record, `start phase ${name}`, ["running"]);
  const next = copy(record);
  const phase = findPhase(next, name);
  if (phase.status !== "pending")
    throw new TransitionError(record.id, `cannot start phase ${name}: it is ${phase.status}`);
  Object.assign(phase, {
    status: "running",
    startedAt: now.toISOString(),
    finishedAt: null,
    durationMs: null,
  });
  return next;
}

/** running → succeeded, failed, skipped or cancelled, with the phase's own message. */
export function endPhase(record: BuildRecord, name: PhaseName, end: PhaseEnd, now: Date): BuildRecord {
  expectStatus(record, `end phase ${name}`, ["running"]);
  const next = copy(record);
  const phase = findPhase(next, name);
  if (phase.status !== "running")
    throw new TransitionError(record.id, `cannot end phase ${name}: it is ${phase.status}`);
  Object.assign(phase, {
    status: end.status,
    finishedAt: now.toISOString(),
    durationMs: elapsed(phase.startedAt, now),
    ...(end.message ? { message: end.message } : {}),
  });
  return next;
}

/** What a phase found out (digest, pushed, published, smoke, backup, cache), while the build runs. */
export function recordOutputs(record: BuildRecord, outputs: Partial<AttemptOutputs>): BuildRecord {
  expectStatus(record, "record outputs", ["running"]);
  return { ...copy(record), ...structuredClone(outputs) };
}

/** A warning that did not fail the build, added to the earlier ones of this attempt. */
export function addWarning(record: BuildRecord, warning: string): BuildRecord {
  expectStatus(record, "add a warning", ["running"]);
  return { ...copy(record), warnings: [...(record.warnings ?? []), warning] };
}

/** The commit the source phase resolved (a git ref, a directory's HEAD), while the build runs. */
export function recordCommit(record: BuildRecord, commit: string | null | undefined): BuildRecord {
  expectStatus(record, "record the commit", ["running"]);
  const next = copy(record);
  if (next.source.kind === "git") next.source.commit = commit ?? null;
  else if (next.source.kind === "path") next.source.commit = commit;
  return next;
}

function expectStatus(record: BuildRecord, what: string, allowed: readonly BuildStatus[]): void {
  if (!allowed.includes(record.status))
    throw new TransitionError(record.id, `cannot ${what} while the build is ${record.status}`);
}

function findPhase(record: BuildRecord, name: PhaseName): Phase {
  let phase = record.phases.find((p) => p.name === name);
  // Records written before a phase existed (`tag` came later) get it when it is reached.
  if (!phase) {
    phase = { name, status: "pending", startedAt: null, finishedAt: null, durationMs: null };
    record.phases.push(phase);
  }
  return phase;
}

function elapsed(startedAt: string | null, now: Date): number | null {
  return startedAt ? Math.max(0, now.getTime() - Date.parse(startedAt)) : null;
}

function copy(record: BuildRecord): BuildRecord {
  return structuredClone(record);
}
