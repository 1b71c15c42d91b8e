// Runs one build this replica has claimed: a lease renewed every lease/3 (which is also
// when a durable cancel request from another replica is noticed), the build timeout,
// the executor, and the cleanup that lets the next attempt or the next build go.
import { isTerminalStatus, type BuildRecord } from "../../../common/build-record.js";
import type { JobContext } from "./job-context.js";
import { buildLease } from "./leases.js";
import { createStoreSink, StaleAttemptError } from "./log-sink.js";
import type { AbortReason } from "./ports.js";
import { endBuild, startBuild } from "../store/record-lifecycle.js";
import { retireBuild } from "./retire.js";
import { errorMessage } from "../../../common/errors.js";

function abortWith(controller: AbortController, reason: AbortReason): void {
  if (!controller.signal.aborted) controller.abort(reason);
}

async function renewLease(ctx: JobContext, record: BuildRecord, controller: AbortController): Promise<void> {
  // The record is the authority: once recovery moved it on (interrupted, requeued as the
  // next attempt), this replica stalled past its lease and must stop, not renew.
  const current = await ctx.store.get(record.id);
  if (current && (current.attempt !== record.attempt || current.status === "interrupted")) {
    abortWith(controller, {
      code: "INTERRUPTED",
      message: `attempt ${record.attempt} was taken over (the record is now attempt ${current.attempt}, ${current.status})`,
    });
    return;
  }
  const held = await ctx.coord.resolveLease(record.id);
  if (held && (held.owner !== ctx.owner || held.attempt !== record.attempt)) {
    abortWith(controller, {
      code: "INTERRUPTED",
      message: `replica ${held.owner} took over this build after the lease of ${ctx.owner} expired`,
    });
    return;
  }
  const lease = buildLease(ctx.owner, record.id, record.attempt, ctx.now(), ctx.settings.leaseMs);
  await ctx.coord.writeLease(lease);
  if (!(await ctx.coord.renewTargetLock(record.target, lease))) {
    ctx.logger.warn("target lock lost while building", { buildId: record.id, target: record.target });
  }
  if (await ctx.coord.hasCancelRequest(record.id)) {
    abortWith(controller, {
      code: "CANCELLED",
      message: "the build was cancelled (request received through the data dir)",
    });
  }
}

/**
 * Runs a claimed record whose lease and target lock this replica already wrote, with the
 * build's own controller (local-builds.ts), to its final record.
 */
export async function runClaimedBuild(
  ctx: JobContext,
  claimed: BuildRecord,
  controller: AbortController,
): Promise<BuildRecord> {
  const id = claimed.id;
  // The runner writes the record only while it is still this attempt, running: a replica
  // that stalled past its lease must not overwrite the attempt another replica started.
  const sink = createStoreSink(
    ctx.store,
    id,
    (err) => ctx.logger.warn("log append failed", { buildId: id, error: String(err) }),
    { attempt: claimed.attempt, holds: (r) => r.attempt === claimed.attempt && r.status === "running" },
  );
  const renewing = setInterval(
    () => {
      renewLease(ctx, claimed, controller).catch((err: unknown) =>
        ctx.logger.warn("lease renewal failed", { buildId: id, error: String(err) }),
      );
    },
    Math.max(100, Math.floor(ctx.settings.leaseMs / 3)),
  );
  const timeoutSec = Math.round(ctx.settings.buildTimeoutMs / 1000);
  const timeout = setTimeout(
    () =>
      abortWith(controller, {
        code: "TIMEOUT",
        message: `the build ran longer than BUILDER_BUILD_TIMEOUT (${timeoutSec} s) and was stopped`,
      }),
    ctx.settings.buildTimeoutMs,
  );
  let final: BuildRecord;
  try {
    if (await ctx.coord.hasCancelRequest(id))
      abortWith(controller, { code: "CANCELLED", message: "the build was cancelled before it started" });
    const started = await ctx.store.update(id, (r) => startBuild(r, ctx.now()));
    sink.log(
      "system",
      `attempt ${claimed.attempt} of ${ctx.settings.maxAttempts} claimed by replica ${ctx.owner}`,
    );
    final = await ctx.executor.run(started, { signal: controller.signal, sink });
  } catch (err) {
    if (err instanceof StaleAttemptError) {
      ctx.logger.warn("another replica took this build over; its record is left alone", { buildId: id });
      await ctx.coord.releaseTargetLock(claimed.target, ctx.owner, id);
      return (await ctx.store.get(id)) ?? claimed;
    }
    ctx.logger.warn("executor threw", { buildId: id, error: String(err) });
    sink.log("system", `the build runner failed unexpectedly: ${errorMessage(err)}`);
    const message = `the build runner failed unexpectedly: ${errorMessage(err)}`;
    // A runner that threw after it ended the record (a cleanup) leaves that outcome standing.
    final = await ctx.store.update(id, (r) =>
      isTerminalStatus(r.status)
        ? r
        : endBuild(r, { status: "failed", code: "INTERNAL", message }, ctx.now()),
    );
  } finally {
    clearInterval(renewing);
    clearTimeout(timeout);
  }
  final = await settle(ctx, final, sink);
  await ctx.coord.releaseLease(id, ctx.owner);
  await ctx.coord.releaseTargetLock(claimed.target, ctx.owner, id);
  return final;
}

/** Makes sure the record ended, flushes the log, and retires the build unless another attempt follows. */
async function settle(
  ctx: JobContext,
  final: BuildRecord,
  sink: ReturnType<typeof createStoreSink>,
): Promise<BuildRecord> {
  let record = final;
  if (!isTerminalStatus(record.status)) {
    const message = `the build runner returned with status ${final.status}`;
    // Log first: followers stop once the record is terminal and every line is out.
    sink.log("system", `build ended: failed (INTERNAL: ${message})`);
    record = await sink.update((r) =>
      endBuild(r, { status: "failed", code: "INTERNAL", message }, ctx.now()),
    );
  }
  // The runner wrote the build's last line before its terminal status; only a requeue adds one.
  const again = record.status === "interrupted" && record.attempt < ctx.settings.maxAttempts;
  if (again) {
    sink.log(
      "system",
      `attempt ${record.attempt} interrupted (${record.error?.message ?? "no reason"}); another replica will start attempt ${record.attempt + 1}`,
    );
  }
  await sink.flush();
  if (!again) await retireBuild(ctx, record.id);
  return record;
}
