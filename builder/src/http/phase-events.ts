// Which `phase` events a stream sends (SPEC §4): one per phase state change, derived by
// comparing each record a stream sees with the phase states it already reported. Records
// are re-read, not pushed, so two changes can land between two reads; a phase seen to
// have ended without having been seen running gets its start reported first, so every
// client sees "started" before "ended" for each phase.
import type { BuildRecord, Phase } from "../../../common/build-record.js";
import { phaseEventOf, type PhaseEvent } from "../../../common/stream-events.js";

/** What a stream has reported per phase name: status and start time. */
export type SentPhases = Map<string, string>;

/** A phase's state as `diffPhases` records it in `SentPhases`. */
export function phaseKey(p: Pick<Phase, "status" | "startedAt">): string {
  return `${p.status}|${p.startedAt ?? ""}`;
}

/**
 * The phase events that bring a client from `sent` to `record`, in the record's phase
 * order; `sent` is updated. A new stream starts from an empty map, so it is told each
 * phase that is not pending (the current state of a build joined mid-way).
 */
export function diffPhases(sent: SentPhases, record: BuildRecord): PhaseEvent[] {
  const out: PhaseEvent[] = [];
  for (const phase of record.phases) {
    const key = phaseKey(phase);
    const before = sent.get(phase.name);
    if (before === key) continue;
    sent.set(phase.name, key);
    if (before === undefined && phase.status === "pending") continue;
    const ended = phase.status !== "running" && phase.status !== "pending";
    const sawStart = before === phaseKey({ status: "running", startedAt: phase.startedAt });
    if (ended && phase.startedAt !== null && before !== undefined && !sawStart) {
      out.push({
        name: phase.name,
        status: "running",
        startedAt: phase.startedAt,
        finishedAt: null,
        durationMs: null,
      });
    }
    out.push(phaseEventOf(phase));
  }
  return out;
}
