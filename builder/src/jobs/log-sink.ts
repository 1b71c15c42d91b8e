// The BuildSink handed to the executor: log lines are batched (a buildx build prints
// thousands) and appended in order through the store; updates go straight to it.
import type { BuildRecord } from "../../../common/build-record.js";
import type { BuildSink, JobStore, SinkStream } from "./ports.js";

export interface FlushableSink extends BuildSink {
  /** Resolves when every line logged so far is in the store. */
  flush(): Promise<void>;
}

/**
 * Thrown by a guarded sink's update when the record is no longer this attempt's: another
 * replica took the build over (this one stalled past its lease) and its record is not ours
 * to write.
 */
export class StaleAttemptError extends Error {
  constructor(id: string, attempt: number) {
    super(`build ${id} is no longer attempt ${attempt} running here; another replica took it over`);
    this.name = "StaleAttemptError";
  }
}

export function createStoreSink(
  store: JobStore,
  id: string,
  onError: (err: unknown) => void,
  /** When given, an update applies only while this holds for the stored record. */
  owns?: { attempt: number; holds: (record: BuildRecord) => boolean },
): FlushableSink {
  let pending: { stream: SinkStream; line: string }[] = [];
  let chain: Promise<void> = Promise.resolve();
  let scheduled = false;

  const drain = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return chain;
    // The chain never rejects (errors go to onError), so one failed append cannot
    // stop later lines or make flush() throw in the middle of ending a build.
    chain = chain.then(() => store.appendLog(id, batch)).then(() => undefined, onError);
    return chain;
  };

  return {
    log(stream, line) {
      pending.push({ stream, line });
      if (!scheduled) {
        scheduled = true;
        setTimeout(drain, 20);
      }
    },
    async update(mutate: (record: BuildRecord) => void | BuildRecord) {
      await drain();
      return store.update(id, (record) => {
        if (owns && !owns.holds(record)) throw new StaleAttemptError(id, owns.attempt);
        return mutate(record);
      });
    },
    async flush() {
      await drain();
    },
  };
}
