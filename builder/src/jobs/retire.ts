// Removing a build from the job layer's working set once it needs nothing more: its
// active marker, its dedup pointer, its cancel request. Safe to repeat from any replica.
import { removeIfStale } from "./atomic-files.js";
import type { JobContext } from "./job-context.js";

export async function retireBuild(ctx: JobContext, id: string): Promise<void> {
  const marker = await ctx.active.resolve(id);
  if (marker?.dedupKey) {
    await removeIfStale<{ buildId?: string }>(ctx.paths.dedup(marker.dedupKey), (p) => p?.buildId === id);
  }
  await ctx.coord.clearCancelRequest(id);
  await ctx.active.clear(id);
}
