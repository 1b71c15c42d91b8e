// Which uploaded contexts may go (SPEC §4): a context is kept while a queued or running
// build needs it (or an interrupted one that will be requeued), and for
// BUILDER_UPLOAD_RETENTION after the last such build, so `retry` works meanwhile; then it
// is deleted, and a retry of its build is a 410. The clock is the context's mtime, which a
// submit, a build's end and every sweep that finds it needed set to now.
import type { JobContext } from "./job-context.js";
import type { UploadsPort } from "./ports.js";
import { isLiveBuild } from "./submit.js";

/** Digests of the uploads that live builds (on any replica) still need. */
export async function resolveNeededUploads(ctx: JobContext): Promise<Set<string>> {
  const needed = new Set<string>();
  for (const id of await ctx.active.ids()) {
    const record = await ctx.store.get(id);
    if (record?.source.kind === "upload" && isLiveBuild(record, ctx.settings.maxAttempts))
      needed.add(record.source.sha256);
  }
  return needed;
}

export async function isUploadNeeded(ctx: JobContext, sha256: string): Promise<boolean> {
  return (await resolveNeededUploads(ctx)).has(sha256);
}

/** Deletes the contexts past their retention; returns their digests. */
export async function sweepUploads(ctx: JobContext, uploads: UploadsPort): Promise<string[]> {
  const now = ctx.now().getTime();
  const needed = await resolveNeededUploads(ctx);
  const removed: string[] = [];
  for (const { sha256, mtimeMs } of await uploads.listContexts()) {
    if (needed.has(sha256)) {
      // Still in use: the retention clock starts again when the last build using it ends.
      await uploads.touch(sha256);
      continue;
    }
    const before = now - ctx.settings.uploadRetentionMs;
    if (mtimeMs > before) continue;
    if (await uploads.removeIfUnused(sha256, before, () => isUploadNeeded(ctx, sha256))) removed.push(sha256);
  }
  return removed;
}
