// A real BuildExecutor for job-layer tests: it runs the build's SCRIPT build arg with
// /bin/sh through process/spawn.ts (its own process group, killed on abort) and
// finishes the record the way the build runner does (record-lifecycle.ts), by the abort reason's code.
import { run } from "../../../../builder/src/process/spawn.js";
import { abortOutcome, type BuildExecutor } from "../../../../builder/src/runner/port.js";
import { endBuild, endPhase, startPhase } from "../../../../builder/src/store/record-lifecycle.js";

export function createProcessExecutor(): BuildExecutor {
  return {
    async run(record, { signal, sink }) {
      await sink.update((r) => startPhase(r, "build", new Date()));
      const script = record.params.buildArgs.SCRIPT ?? "echo built";
      const result = await run(["/bin/sh", "-c", `echo "pid $$"; ${script}`], {
        signal,
        killGraceMs: 500,
        onLine: (stream, line) => sink.log(stream, line),
      });
      return sink.update((r) => {
        const now = new Date();
        if (result.aborted) return endBuild(r, abortOutcome(signal.reason), now);
        if (result.exitCode === 0)
          return endBuild(endPhase(r, "build", { status: "succeeded" }, now), { status: "succeeded" }, now);
        const message = `script exited with ${result.exitCode}`;
        return endBuild(
          endPhase(r, "build", { status: "failed", message }, now),
          { status: "failed", code: "BUILD_FAILED", message },
          now,
        );
      });
    },
  };
}
