// Hooks notifications onto the build executor: every record run() returns that has
// really ended is announced. An `interrupted` build with attempts left is not an end —
// another replica (or this one) requeues it as the next attempt of the same id.
import type { BuildRecord } from "../../../common/build-record.js";
import { isTerminalStatus } from "../../../common/build-record.js";
import type { BuildExecutor } from "../jobs/ports.js";
import type { Notifier } from "./notifier.js";

export function isFinalEnd(record: Pick<BuildRecord, "status" | "attempt">, maxAttempts: number): boolean {
  if (!isTerminalStatus(record.status)) return false;
  return record.status !== "interrupted" || record.attempt >= maxAttempts;
}

/** The executor, announcing final ends through `notifier` (unchanged when none is configured). */
export function notifyOnEnd(executor: BuildExecutor, notifier: Notifier, maxAttempts: number): BuildExecutor {
  if (!notifier.enabled) return executor;
  return {
    async run(record, opts) {
      const final = await executor.run(record, opts);
      if (isFinalEnd(final, maxAttempts)) notifier.notify(final);
      return final;
    },
  };
}
