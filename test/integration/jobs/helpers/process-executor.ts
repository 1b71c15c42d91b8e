// A real BuildExecutor for job-layer tests: it runs the build's SCRIPT build arg with
// /bin/sh through process/spawn.ts (its own process group, killed on abort) and
// finishes the record the way the build runner does, by the abort reason's code.
import { run } from "../../../../builder/src/process/spawn.js";
import type { AbortReason, BuildExecutor } from "../../../../builder/src/jobs/ports.js";
import { endRecord } from "../../../../builder/src/jobs/record-edits.js";

export function createProcessExecutor(): BuildExecutor {
  return {
    async run(record, { signal, sink }) {
      await sink.update((r) => {
        const phase = r.phases.find((p) => p.name === "build")!;
        Object.assign(phase, { status: "running", startedAt: new Date().toISOString() });
      });
      const script = record.params.buildArgs.SCRIPT ?? "echo built";
      const result = await run(["/bin/sh", "-c", `echo "pid $$"; ${script}`], {
        signal,
        killGraceMs: 500,
        onLine: (stream, line) => sink.log(stream, line),
      });
      return sink.update((r) => {
        const now = new Date();
        if (result.aborted) {
          const reason = signal.reason as AbortReason;
          const status =
            reason.code === "TIMEOUT"
              ? "failed"
              : reason.code === "INTERRUPTED"
                ? "interrupted"
                : "cancelled";
          endRecord(r, status, reason.code, reason.message ?? reason.code, now);
        } else if (result.exitCode === 0) {
          for (const p of r.phases) p.status = p.status === "running" ? "succeeded" : "skipped";
          Object.assign(r, { status: "succeeded", finishedAt: now.toISOString(), error: null });
        } else {
          endRecord(r, "failed", "BUILD_FAILED", `script exited with ${result.exitCode}`, now);
        }
      });
    },
  };
}
