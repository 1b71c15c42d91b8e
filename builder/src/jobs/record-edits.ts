// Edits of a record that the job layer (not the runner) makes: ending a build that never
// ran or whose replica vanished, and putting an interrupted build back in the queue.
import type { BuildRecord, BuildStatus, ErrorCode } from "../../../common/build-record.js";

/** Ends the record: status, error, finishedAt; running phases cancelled, pending ones skipped. */
export function endRecord(
  record: BuildRecord,
  status: BuildStatus,
  code: ErrorCode,
  message: string,
  now: Date,
): void {
  record.status = status;
  record.error = { code, message };
  record.finishedAt = now.toISOString();
  if (record.startedAt) record.durationMs = Math.max(0, now.getTime() - Date.parse(record.startedAt));
  for (const phase of record.phases) {
    if (phase.status === "running") {
      phase.status = "cancelled";
      phase.finishedAt = now.toISOString();
      if (phase.startedAt) phase.durationMs = Math.max(0, now.getTime() - Date.parse(phase.startedAt));
    } else if (phase.status === "pending") {
      phase.status = "skipped";
    }
  }
}

/** Attempt n+1 of the same build: queued again with fresh phases; the log keeps attempt n. */
export function requeueRecord(record: BuildRecord): void {
  record.status = "queued";
  record.attempt += 1;
  record.error = null;
  record.startedAt = null;
  record.finishedAt = null;
  record.durationMs = null;
  record.digest = null;
  record.smoke = null;
  record.backup = null;
  for (const phase of record.phases) {
    Object.assign(phase, { status: "pending", startedAt: null, finishedAt: null, durationMs: null });
    delete phase.message;
  }
}

/** The record as it is when the claiming replica starts it. */
export function startRecord(record: BuildRecord, now: Date): void {
  record.status = "running";
  record.startedAt = now.toISOString();
  record.finishedAt = null;
}
