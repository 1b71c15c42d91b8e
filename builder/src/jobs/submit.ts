// Submitting a build: idempotency (durable keys, 24 h), dedup of identical queued or
// running builds (a pointer file per dedup key, so two replicas racing the same request
// still create one build), the queue limit, then the queued record.
import type { BuildRecord, Trigger } from "../../../common/build-record.js";
import type { BuildRequest } from "../../../common/build-request.js";
import { createExclusive, removeIfStale, resolveJson, writeJsonAtomic } from "./atomic-files.js";
import { buildDedupKey, buildParamsFingerprint } from "./build-keys.js";
import type { JobContext } from "./job-context.js";
import { buildQueuedRecord, parseTargetName, resolveBuildSource, type UploadInfo } from "./plan-build.js";
import { refuseUnbuildablePlatforms } from "./platform-check.js";
import { ServiceError } from "./service-error.js";

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** How long a pointer may name a build whose record is not written yet (a create in flight). */
const CREATE_GRACE_MS = 10_000;

export interface SubmitOptions {
  trigger: Trigger;
  idempotencyKey?: string;
  upload?: UploadInfo;
  /** A commit already known (webhook `after`, retry of a recorded commit): no ref resolution. */
  commit?: string;
  signal?: AbortSignal;
}

export interface SubmitResult {
  record: BuildRecord;
  deduplicated: boolean;
}

interface Pointer {
  buildId: string;
  createdAt: string;
  fingerprint?: string;
  /** The key's first request joined a build another request had started (dedup). */
  joined?: true;
  /** The request alone (no upload digest): lets an upload's key conflict be found before its body is read. */
  requestFingerprint?: string;
}

/** queued, running, or interrupted and about to be requeued: a build a duplicate may join. */
export function isLiveBuild(record: BuildRecord, maxAttempts: number): boolean {
  return (
    record.status === "queued" ||
    record.status === "running" ||
    (record.status === "interrupted" && record.attempt < maxAttempts)
  );
}

async function resolvePointed(ctx: JobContext, pointer: Pointer): Promise<BuildRecord | undefined> {
  const deadline = Date.parse(pointer.createdAt) + CREATE_GRACE_MS;
  for (;;) {
    const record = await ctx.store.get(pointer.buildId);
    if (record || Date.now() > deadline) return record;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function joined(record: BuildRecord): SubmitResult {
  return { record: { ...record, deduplicated: true }, deduplicated: true };
}

/**
 * The build an Idempotency-Key already names, answered as the key's first request was (a
 * client re-sending a POST whose answer was lost must not be told its own build was someone
 * else's), CONFLICT on different params, undefined when new.
 */
async function resolveIdempotent(
  ctx: JobContext,
  key: string,
  fingerprint: string,
): Promise<SubmitResult | undefined> {
  const file = ctx.paths.idempotency(key);
  const now = ctx.now().getTime();
  const pointer = await resolveJson<Pointer>(file);
  if (!pointer) return undefined;
  if (Date.parse(pointer.createdAt) + IDEMPOTENCY_TTL_MS < now) {
    await removeIfStale<Pointer>(file, (p) => !p || Date.parse(p.createdAt) + IDEMPOTENCY_TTL_MS < now);
    return undefined;
  }
  if (pointer.fingerprint !== fingerprint) {
    throw new ServiceError(
      "CONFLICT",
      `Idempotency-Key ${JSON.stringify(key.slice(0, 100))} was used for build ${pointer.buildId} with different parameters; use a new key for a different request`,
    );
  }
  const record = await resolvePointed(ctx, pointer);
  if (!record)
    throw new ServiceError(
      "CONFLICT",
      `Idempotency-Key ${JSON.stringify(key.slice(0, 100))} names build ${pointer.buildId}, which does not exist (yet); try again`,
    );
  return pointer.joined
    ? joined(record)
    : { record: { ...record, deduplicated: false }, deduplicated: false };
}

/** The live build holding the dedup key, or undefined (a stale pointer is removed). */
async function resolveDuplicate(ctx: JobContext, dedupKey: string): Promise<BuildRecord | undefined> {
  const file = ctx.paths.dedup(dedupKey);
  const pointer = await resolveJson<Pointer>(file);
  if (!pointer) return undefined;
  const record = await resolvePointed(ctx, pointer);
  if (record && isLiveBuild(record, ctx.settings.maxAttempts)) return record;
  await removeIfStale<Pointer>(file, (p) => !p || p.buildId === pointer.buildId);
  return undefined;
}

async function countQueued(ctx: JobContext): Promise<number> {
  let queued = 0;
  for (const id of await ctx.active.ids()) {
    const record = await ctx.store.get(id);
    if (record?.status === "queued") queued += 1;
  }
  return queued;
}

function queueFull(ctx: JobContext): ServiceError {
  return new ServiceError(
    "QUEUE_FULL",
    `the queue is full (${ctx.settings.queueMax} builds waiting, BUILDER_QUEUE_MAX); retry in ${ctx.settings.queueFullRetryAfter} s`,
    { retryAfter: ctx.settings.queueFullRetryAfter },
  );
}

/**
 * What can be refused before an upload's body is read (SPEC §4): an unknown target, an
 * Idempotency-Key bound to other parameters, a full queue. The same checks run again in
 * submitBuild once the body is in; this only spares the disk and the wire a doomed upload.
 */
export async function precheckSubmit(
  ctx: JobContext,
  req: BuildRequest,
  opts: { idempotencyKey?: string },
): Promise<void> {
  const target = parseTargetName(ctx.config, req.target);
  if (opts.idempotencyKey !== undefined) {
    const pointer = await resolveJson<Pointer>(ctx.paths.idempotency(opts.idempotencyKey));
    const live = pointer && Date.parse(pointer.createdAt) + IDEMPOTENCY_TTL_MS >= ctx.now().getTime();
    if (live && pointer.requestFingerprint && pointer.requestFingerprint !== buildParamsFingerprint(req)) {
      throw new ServiceError(
        "CONFLICT",
        `Idempotency-Key ${JSON.stringify(opts.idempotencyKey.slice(0, 100))} was used for build ${pointer.buildId} with different parameters; use a new key for a different request`,
      );
    }
    // The same key and parameters may name a build already: then the upload is answered
    // with that build once its digest matches, so the body is read.
    if (live) return;
  }
  if ((await countQueued(ctx)) >= ctx.settings.queueMax) throw queueFull(ctx);
  // A platform the builder cannot build is known before a byte of the context is read
  // (a key's replay was answered above, as its first request was). A probe that does not
  // answer soon is left to submitBuild, after the body: an upload never waits on a hung daemon.
  const probe = ctx.capabilities;
  if (probe) {
    const quick = async () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        const message = `buildx did not answer in ${PRECHECK_PROBE_MS / 1000} s`;
        timer = setTimeout(() => reject(new Error(message)), PRECHECK_PROBE_MS);
      });
      try {
        return await Promise.race([probe(), late]);
      } finally {
        clearTimeout(timer);
      }
    };
    await refuseUnbuildablePlatforms(quick, req.platforms ?? target.platforms, ctx.logger);
  }
}

/** How long an upload's pre-body platform check waits for buildx's capabilities. */
const PRECHECK_PROBE_MS = 5_000;

/** An upload a new build will use must still be there; touching it restarts its retention. */
async function claimUpload(ctx: JobContext, opts: SubmitOptions): Promise<void> {
  if (!opts.upload || !ctx.uploads) return;
  if (await ctx.uploads.touch(opts.upload.sha256)) return;
  const retention = Math.round(ctx.settings.uploadRetentionMs / 1000);
  throw new ServiceError(
    "GONE",
    `the uploaded context (sha256 ${opts.upload.sha256.slice(0, 12)}) is no longer kept: an upload is deleted BUILDER_UPLOAD_RETENTION (${retention} s) after the last build that needed it ended; upload the context again to build it`,
  );
}

export async function submitBuild(
  ctx: JobContext,
  req: BuildRequest,
  opts: SubmitOptions,
): Promise<SubmitResult> {
  const target = parseTargetName(ctx.config, req.target);
  const fingerprint = buildParamsFingerprint(req, opts.upload?.sha256);
  if (opts.idempotencyKey !== undefined) {
    const existing = await resolveIdempotent(ctx, opts.idempotencyKey, fingerprint);
    if (existing) return existing;
  }
  await refuseUnbuildablePlatforms(ctx.capabilities, req.platforms ?? target.platforms, ctx.logger);
  const source = await resolveBuildSource(ctx.config, target, req, { ...opts, resolveRef: ctx.resolveRef });
  const now = ctx.now();
  const record = buildQueuedRecord({
    id: ctx.store.newBuildId(),
    req,
    target,
    source,
    trigger: opts.trigger,
    now,
  });
  const dedupKey = buildDedupKey(record);
  const duplicate = await resolveDuplicate(ctx, dedupKey);
  if (duplicate) return bindKey(ctx, opts.idempotencyKey, fingerprint, duplicate, req);
  if ((await countQueued(ctx)) >= ctx.settings.queueMax) throw queueFull(ctx);
  await claimUpload(ctx, opts);
  const pointer: Pointer = {
    buildId: record.id,
    createdAt: now.toISOString(),
    fingerprint,
    requestFingerprint: buildParamsFingerprint(req),
  };
  if (
    opts.idempotencyKey !== undefined &&
    !(await createExclusive(ctx.paths.idempotency(opts.idempotencyKey), JSON.stringify(pointer)))
  ) {
    // Another request with this key won the race; answer as it did.
    return submitBuild(ctx, req, opts);
  }
  // A pointer that is there but stale is cleared by resolveDuplicate; then try again, since
  // another submitter may win that next create (then this request joins its build).
  for (let tries = 0; !(await createExclusive(ctx.paths.dedup(dedupKey), JSON.stringify(pointer))); tries++) {
    const winner = await resolveDuplicate(ctx, dedupKey);
    if (winner) return bindKey(ctx, opts.idempotencyKey, fingerprint, winner, req);
    // A pointer that keeps reappearing stale must not block the build forever.
    if (tries >= 3) break;
  }
  await ctx.active.mark({ id: record.id, queuedAt: record.createdAt, attempt: 1, dedupKey });
  await ctx.store.create(record);
  await ctx.store.appendLog(record.id, [{ stream: "system", line: describeQueued(record) }]);
  return { record, deduplicated: false };
}

/** A request that joined an existing build still binds its Idempotency-Key to that build. */
async function bindKey(
  ctx: JobContext,
  key: string | undefined,
  fingerprint: string,
  record: BuildRecord,
  req: BuildRequest,
): Promise<SubmitResult> {
  if (key !== undefined) {
    const pointer: Pointer = {
      buildId: record.id,
      createdAt: ctx.now().toISOString(),
      fingerprint,
      joined: true,
      requestFingerprint: buildParamsFingerprint(req),
    };
    if (!(await createExclusive(ctx.paths.idempotency(key), JSON.stringify(pointer)))) {
      const existing = await resolveIdempotent(ctx, key, fingerprint);
      if (existing) return existing;
      await writeJsonAtomic(ctx.paths.idempotency(key), pointer);
    }
  }
  return joined(record);
}

function describeQueued(record: BuildRecord): string {
  const src = record.source;
  const from =
    src.kind === "git"
      ? `${src.name}@${src.ref} (${src.commit ?? "unresolved"})`
      : src.kind === "upload"
        ? `an upload (sha256 ${src.sha256.slice(0, 12)})`
        : `the directory source ${src.name}`;
  return `queued build of target ${record.target} from ${from} as ${record.tags.join(", ")} (trigger ${record.trigger.kind})`;
}
