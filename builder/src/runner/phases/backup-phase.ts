// backup: archive the pushed image (per platform, an OCI layout tarball, gzipped) to the
// R2 bucket. Skipped — and recorded as skipped with the reason — when the target does
// not ask for it, R2 is not configured, or nothing was pushed.
import type { BuildContext } from "./context.js";
import { createRegistryClient } from "./push-phase.js";
import { recordOutputs } from "../../store/record-lifecycle.js";

export async function runBackupPhase(ctx: BuildContext): Promise<string | void> {
  const { target, record, deps } = ctx;
  if (!target.backup.r2) return "the target does not archive to R2";
  const r2 = deps.r2;
  if (!r2)
    return "R2 is not configured (R2_ENDPOINT, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, R2_WORKER_CONTAINER_TAR_BALL_BUCKET)";
  if (!record.push || !record.digest)
    return "backups are made from the pushed image, and this build was not pushed";
  // Loaded on use: the AWS SDK is the heaviest import, and most builds never reach here.
  const [{ archiveImage }, { createR2Client }] = await Promise.all([
    import("../../backup/archive-image.js"),
    import("../../backup/r2.js"),
  ]);
  const s3 = createR2Client(r2);
  const backup = await archiveImage({
    s3,
    bucket: r2.bucket,
    registry: createRegistryClient(ctx),
    imageRef: `${target.image}@${record.digest}`,
    platforms: record.platforms,
    date: (deps.now?.() ?? new Date()).toISOString().slice(0, 10),
    signal: ctx.signal,
    onLine: (line) => ctx.sink.log("system", `backup: ${line}`),
  }).finally(() => s3.destroy()); // keep-alive sockets must not outlive the build
  ctx.record = await ctx.sink.update((r) => recordOutputs(r, { backup }));
}
