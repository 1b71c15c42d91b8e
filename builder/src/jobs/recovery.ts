// What any replica does for builds it does not run itself: a running build whose lease
// expired (its replica died, was scaled to zero or SIGKILLed) is marked interrupted;
// an interrupted build with attempts left is requeued as the next attempt of the same
// id (its log keeps every line of the earlier attempt); a queued build older than
// BUILDER_QUEUE_TTL fails with TIMEOUT. Each step is claimed, so exactly one replica
// performs it.
import type { BuildRecord } from "../../../common/build-record.js";
import type { ActiveMarker } from "./active-index.js";
import type { JobContext } from "./job-context.js";
import { isLeaseExpired } from "./leases.js";
import { endBuild, interruptBuild, requeueBuild } from "../store/record-lifecycle.js";
import { retireBuild } from "./retire.js";

/** The record after recovery looked at it (unchanged when there was nothing to do). */
export async function recoverBuild(
  ctx: JobContext,
  record: BuildRecord,
  marker: ActiveMarker,
  runningHere: boolean,
): Promise<BuildRecord> {
  let current = record;
  if (current.status === "running" && !runningHere) current = await interruptIfExpired(ctx, current);
  if (current.status === "interrupted") {
    if (current.attempt < ctx.settings.maxAttempts) return requeue(ctx, current);
    await retireBuild(ctx, current.id);
    return current;
  }
  if (current.status === "queued") return expireIfStale(ctx, current, marker);
  if (current.status !== "running") await retireBuild(ctx, current.id);
  return current;
}

async function interruptIfExpired(ctx: JobContext, record: BuildRecord): Promise<BuildRecord> {
  const now = ctx.now();
  const lease = await ctx.coord.resolveLease(record.id);
  // A running record without a lease is one whose owner died between claim and lease,
  // or after releasing it; its start time then stands in for the lease.
  const expired = lease
    ? lease.attempt !== record.attempt || isLeaseExpired(lease, now)
    : isLeaseExpired(
        {
          expiresAt: new Date(
            Date.parse(record.startedAt ?? record.createdAt) + ctx.settings.leaseMs,
          ).toISOString(),
        },
        now,
      );
  if (!expired) return record;
  if (!(await ctx.coord.claim(record.id, record.attempt, ctx.owner, "recover", now))) return record;
  const owner = lease?.owner ?? "unknown";
  const message = `replica ${owner} stopped renewing the lease of attempt ${record.attempt}${lease ? ` (expired at ${lease.expiresAt})` : ""}; marked interrupted by replica ${ctx.owner}`;
  const updated = await ctx.store.update(record.id, (r) =>
    r.status === "running" && r.attempt === record.attempt ? interruptBuild(r, message, now) : r,
  );
  await ctx.store.appendLog(record.id, [{ stream: "system", line: message }]);
  ctx.logger.warn("build interrupted: lease expired", { buildId: record.id, attempt: record.attempt, owner });
  return updated;
}

async function requeue(ctx: JobContext, record: BuildRecord): Promise<BuildRecord> {
  const now = ctx.now();
  if (!(await ctx.coord.claim(record.id, record.attempt, ctx.owner, "requeue", now))) return record;
  if (await ctx.coord.hasCancelRequest(record.id)) {
    const message = "the build was cancelled while it was interrupted";
    const cancelled = await ctx.store.update(record.id, (r) =>
      r.status === "interrupted" ? endBuild(r, { status: "cancelled", code: "CANCELLED", message }, now) : r,
    );
    await retireBuild(ctx, record.id);
    return cancelled;
  }
  const marker = await ctx.active.resolve(record.id);
  const updated = await ctx.store.update(record.id, (r) =>
    r.status === "interrupted" && r.attempt === record.attempt ? requeueBuild(r) : r,
  );
  await ctx.active.mark({
    id: record.id,
    queuedAt: now.toISOString(),
    attempt: updated.attempt,
    ...(marker?.dedupKey ? { dedupKey: marker.dedupKey } : {}),
  });
  await ctx.store.appendLog(record.id, [
    {
      stream: "system",
      line: `requeued as attempt ${updated.attempt} of ${ctx.settings.maxAttempts} by replica ${ctx.owner}`,
    },
  ]);
  ctx.logger.info("build requeued", { buildId: record.id, attempt: updated.attempt });
  return updated;
}

async function expireIfStale(
  ctx: JobContext,
  record: BuildRecord,
  marker: ActiveMarker,
): Promise<BuildRecord> {
  const now = ctx.now();
  // A marker of another attempt is a requeue in flight; its clock restarts with it.
  if (marker.attempt !== record.attempt) return record;
  if (Date.parse(marker.queuedAt) + ctx.settings.queueTtlMs > now.getTime()) return record;
  if (!(await ctx.coord.claim(record.id, record.attempt, ctx.owner, "expire", now))) return record;
  const ttl = Math.round(ctx.settings.queueTtlMs / 1000);
  const message = `the build waited in the queue longer than BUILDER_QUEUE_TTL (${ttl} s) without starting`;
  // The line first: a stream that sees the ended record reads the log to its end and stops.
  await ctx.store.appendLog(record.id, [{ stream: "system", line: message }]);
  const updated = await ctx.store.update(record.id, (r) =>
    r.status === "queued" ? endBuild(r, { status: "failed", code: "TIMEOUT", message }, now) : r,
  );
  await retireBuild(ctx, record.id);
  return updated;
}
