// The one faked part of the HTTP tests: the build runner that would drive buildx. The real
// BuildService claims a build, leases it and calls run(); this executor then holds the build
// "running" until the test ends it (or the service aborts it: cancel, drain), and finishes
// the record the way the build runner does. Everything around it is the real jobs code.
import type { BuildRecord } from "../../../common/build-record.js";
import {
  abortOutcome,
  type AbortReason,
  type BuildExecutor,
  type BuildSink,
} from "../../../builder/src/runner/port.js";
import { endBuild, endPhase } from "../../../builder/src/store/record-lifecycle.js";
import { waitFor } from "../../helpers/wait-for.js";

type Outcome = "succeeded" | "failed";

interface Held {
  sink: BuildSink;
  end(outcome: Outcome | AbortReason): Promise<BuildRecord>;
}

export class HeldExecutor implements BuildExecutor {
  private readonly held = new Map<string, Held>();

  run(record: BuildRecord, opts: { signal: AbortSignal; sink: BuildSink }): Promise<BuildRecord> {
    const { signal, sink } = opts;
    return new Promise<BuildRecord>((resolve, reject) => {
      let final: Promise<BuildRecord> | undefined;
      const finish = async (outcome: Outcome | AbortReason) => {
        this.held.delete(record.id);
        const now = new Date();
        return sink.update((r) => {
          if (outcome === "succeeded") {
            // The phases the test started end as the runner ends them; the rest were not reached.
            const ran = r.phases
              .filter((p) => p.status === "running")
              .reduce((rec, p) => endPhase(rec, p.name, { status: "succeeded" }, now), r);
            return endBuild(ran, { status: "succeeded" }, now);
          }
          if (outcome === "failed")
            return endBuild(
              r,
              { status: "failed", code: "BUILD_FAILED", message: "the test failed the build" },
              now,
            );
          return endBuild(r, abortOutcome(outcome), now);
        });
      };
      // Once: a cancel racing the test's end() finishes the record one way only.
      const end = (outcome: Outcome | AbortReason) => {
        final ??= finish(outcome);
        final.then(resolve, reject);
        return final;
      };
      if (signal.aborted) return void end(signal.reason as AbortReason);
      signal.addEventListener("abort", () => void end(signal.reason as AbortReason), { once: true });
      this.held.set(record.id, { sink, end });
    });
  }

  /** The sink of a build once the service has started running it here. */
  async started(id: string): Promise<BuildSink> {
    return (await this.holding(id)).sink;
  }

  /** Ends a running build the way a finished buildx run would. */
  async end(id: string, outcome: Outcome): Promise<BuildRecord> {
    return (await this.holding(id)).end(outcome);
  }

  private holding(id: string): Promise<Held> {
    return waitFor(() => this.held.get(id), { what: `build ${id} to be running` });
  }
}
