// Runs one build through its phases — source → build → push → smoke → tag → backup — and
// records each with start, end and outcome. A failure is data on the record; the job
// layer (queue, leases) decides when builds run, this decides what running one means.
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { BuildRecord, ErrorCode, PhaseName } from "../../../common/build-record.js";
import { checkDiskSpace } from "../guards/disk.js";
import { writeOwnerFile } from "../process/process-identity.js";
import { abortOutcome, SCRATCH_OWNER_FILE, type BuildExecutor, type BuildSink } from "./port.js";
import type { RunnerDeps } from "./runner-deps.js";
import type { BuildContext } from "./phases/context.js";
import { PhaseFailure } from "./phases/phase-failure.js";
import { collectSecrets } from "./phases/secrets.js";
import { endBuild, endPhase, startPhase, type BuildEnd, type PhaseEnd } from "../store/record-lifecycle.js";
import { errorMessage, errorStack } from "../../../common/errors.js";

type PhaseFn = (ctx: BuildContext) => Promise<string | void>;

// Phases are loaded on first use, and all of them are asked for when a build starts: the
// registry client, smoke and backup modules then load while git and buildx run, instead of
// delaying the start of every `comfyume-builder run`.
const PHASES: [PhaseName, () => Promise<PhaseFn>][] = [
  ["source", async () => (await import("./phases/source-phase.js")).runSourcePhase],
  ["build", async () => (await import("./phases/build-phase.js")).runBuildPhase],
  ["push", async () => (await import("./phases/push-phase.js")).runPushPhase],
  ["smoke", async () => (await import("./phases/smoke-phase.js")).runSmokePhase],
  ["tag", async () => (await import("./phases/tag-phase.js")).runTagPhase],
  ["backup", async () => (await import("./phases/backup-phase.js")).runBackupPhase],
];

export function createBuildRunner(deps: RunnerDeps): BuildExecutor {
  const now = deps.now ?? (() => new Date());
  return {
    async run(initial, { signal, sink }) {
      const target = deps.config.config.targets[initial.target];
      const workDir = path.join(deps.workRoot, initial.id);
      if (!target) {
        return finish(sink, now, {
          status: "failed",
          code: "INVALID_REQUEST",
          message: `target "${initial.target}" is not configured`,
        });
      }
      const ctx: BuildContext = {
        id: initial.id,
        deps,
        config: deps.config,
        target,
        sink,
        signal,
        workDir,
        secrets: collectSecrets(deps, target),
        childEnv: { ...deps.childEnv },
        record: initial,
        cleanups: [],
      };
      sink.log(
        "system",
        `build ${initial.id} (attempt ${initial.attempt}) of target ${initial.target} started`,
      );
      try {
        // What an earlier attempt of this build left here (it died) is not this attempt's.
        await rm(workDir, { recursive: true, force: true });
        // 0700: the per-build DOCKER_CONFIG in here holds registry credentials.
        await mkdir(workDir, { recursive: true, mode: 0o700 });
        // Names this process, so a sweep can tell its scratch from a dead process's (jobs/scratch-sweep.ts).
        await writeOwnerFile(path.join(workDir, SCRATCH_OWNER_FILE));
        const low = await checkDiskSpace(
          [deps.env.BUILDER_DATA_DIR, deps.env.BUILDER_CACHE_DIR, deps.workRoot],
          {
            minFreeBytes: deps.env.BUILDER_MIN_FREE_BYTES,
            minFreePercent: deps.env.BUILDER_MIN_FREE_PERCENT,
          },
        );
        if (low) throw new PhaseFailure("DISK_LOW", low);
        await runPhases(ctx, now);
        return await finish(sink, now, { status: "succeeded" });
      } catch (err) {
        if (signal.aborted) {
          return await finish(sink, now, abortOutcome(signal.reason));
        }
        if (err instanceof PhaseFailure)
          return await finish(sink, now, { status: "failed", code: err.code, message: err.message });
        sink.log("system", `internal error: ${errorStack(err)}`);
        return await finish(sink, now, { status: "failed", code: "INTERNAL", message: errorMessage(err) });
      } finally {
        for (const cleanup of ctx.cleanups.reverse()) {
          await cleanup().catch((e: unknown) => sink.log("system", `cleanup failed: ${errorMessage(e)}`));
        }
        await rm(workDir, { recursive: true, force: true });
      }
    },
  };
}

async function runPhases(ctx: BuildContext, now: () => Date): Promise<void> {
  const loaded = PHASES.map(([name, load]) => [name, load()] as const);
  // A module that fails to load fails its phase when the phase is reached, not before.
  for (const [, fn] of loaded) fn.catch(() => undefined);
  for (const [name, load] of loaded) {
    ctx.record = await ctx.sink.update((r) => startPhase(r, name, now()));
    let outcome: PhaseEnd["status"] = "succeeded";
    let message: string | undefined;
    try {
      if (ctx.signal.aborted) throw new PhaseFailure("CANCELLED", "aborted");
      const skipped = await (await load)(ctx);
      if (typeof skipped === "string") {
        outcome = "skipped";
        message = skipped;
      }
    } catch (err) {
      outcome = ctx.signal.aborted ? "cancelled" : "failed";
      message = errorMessage(err);
      throw toPhaseFailure(name, err);
    } finally {
      // Recorded, not logged: streams report it as a `phase` event (http/build-events.ts),
      // so a log line saying the same would show every phase change twice.
      const end: PhaseEnd = { status: outcome, ...(message ? { message } : {}) };
      ctx.record = await ctx.sink.update((r) => endPhase(r, name, end, now()));
    }
  }
}

const PHASE_CODES: Record<PhaseName, ErrorCode> = {
  source: "SOURCE_FAILED",
  build: "BUILD_FAILED",
  push: "PUSH_FAILED",
  smoke: "SMOKE_FAILED",
  tag: "PUSH_FAILED",
  backup: "BACKUP_FAILED",
};
/** Codes a module's error may give a failed build; anything else gets its phase's code. */
const BUILD_CODES = new Set<string>([
  ...Object.values(PHASE_CODES),
  "DISK_LOW",
  "TIMEOUT",
  "CANCELLED",
  "INTERRUPTED",
]);

/**
 * Errors of the modules a phase calls (SourceError, PushVerificationError, BackupError,
 * SmokeError, BuildxError...) carry their own `code`; a build records it when it is a
 * build outcome, else the phase's own code — never INTERNAL for a known failure.
 */
function toPhaseFailure(phase: PhaseName, err: unknown): unknown {
  if (err instanceof PhaseFailure) return err;
  // Programming errors stay what they are: the build ends as INTERNAL with the stack in its log.
  if (
    !(err instanceof Error) ||
    [TypeError, RangeError, ReferenceError, SyntaxError].some((t) => err instanceof t)
  ) {
    return err;
  }
  const code = (err as { code?: unknown }).code;
  return new PhaseFailure(
    typeof code === "string" && BUILD_CODES.has(code) ? (code as ErrorCode) : PHASE_CODES[phase],
    err.message,
  );
}

async function finish(sink: BuildSink, now: () => Date, end: BuildEnd): Promise<BuildRecord> {
  // No closing log line: the end event (and the record) carry the outcome and the error,
  // which a line here would repeat in every client.
  return sink.update((r) => endBuild(r, end, now()));
}
