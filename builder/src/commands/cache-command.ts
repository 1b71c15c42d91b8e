// `comfyume-builder cache prune [--max-bytes N]`: evict least recently used target
// caches until the total is under N (default BUILDER_CACHE_MAX_BYTES).
import path from "node:path";
import { EXIT, type ExitCode } from "../../../common/exit-codes.js";
import { TargetCacheStore } from "../cache/target-cache.js";
import type { BuilderEnv } from "../config/env.js";
import { formatBytes } from "../guards/disk.js";
import { buildJobPaths } from "../jobs/job-paths.js";
import { Coordination } from "../jobs/leases.js";

export async function cachePruneCommand(env: BuilderEnv, maxBytes?: number): Promise<ExitCode> {
  // A build running on any replica holds its target: its exports are not leftovers.
  const coord = new Coordination(buildJobPaths(path.resolve(env.BUILDER_DATA_DIR)));
  const store = new TargetCacheStore(path.resolve(env.BUILDER_CACHE_DIR), {
    isTargetBusy: (target) => coord.isTargetBusy(target, new Date()),
  });
  const budget = maxBytes ?? env.BUILDER_CACHE_MAX_BYTES;
  const result = await store.prune(budget);
  for (const target of result.evicted) process.stdout.write(`evicted the cache of ${target}\n`);
  process.stdout.write(
    `cache: ${formatBytes(result.totalBytes)} in ${store.root} (budget ${formatBytes(budget)}), freed ${formatBytes(result.freedBytes)}\n`,
  );
  return EXIT.OK;
}
