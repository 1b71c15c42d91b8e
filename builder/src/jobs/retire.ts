// Removing a build from the job layer's working set once it needs nothing more: its
// active marker, its dedup pointer, its cancel request. Safe to repeat from any replica.
// Every path by which a build really ends comes through here, so this is also where its
// end is announced — once, by whichever replica wins the exclusive "announce" claim.
import { isTerminalStatus } from "../../../common/build-record.js";
import { removeIfStale } from "./atomic-files.js";
import type { JobContext } from "./job-context.js";

export async function retireBuild(ctx: JobContext, id: string): Promise<void> {
  const marker = await ctx.active.resolve(id);
  if (marker?.dedupKey) {
    await removeIfStale<{ buildId?: string }>(ctx.paths.dedup(marker.dedupKey), (p) => p?.buildId === id);
  }
  await ctx.coord.clearCancelRequest(id);
  await ctx.active.clear(id);
  const record = await ctx.store.get(id);
  // An uploaded context is kept for BUILDER_UPLOAD_RETENTION from here (upload-retention.ts).
  if (record?.source.kind === "upload") await ctx.uploads?.touch(record.source.sha256);
  if (ctx.onBuildEnded) {
    if (
      record &&
      isTerminalStatus(record.status) &&
      (await ctx.coord.claim(id, record.attempt, ctx.owner, "announce", ctx.now()))
    ) {
      ctx.onBuildEnded(record);
    }
  }
}
