// A build with the target's local cache, the way SPEC §3 "cache" asks for it: import a
// snapshot of the current cache, export to a fresh directory, swap it in only when the
// build succeeded, move an unreadable cache aside and build again without it, and keep
// the store under its budget. The build runner calls this instead of runBuildx when the
// target has `cache.local`.
import type { CacheInfo } from "../../../common/build-record.js";
import type { BuildxSpec } from "../buildx/argv.js";
import { runBuildx, type BuildxOutcome, type RunBuildxOptions } from "../buildx/run-buildx.js";
import { CacheError } from "./cache-error.js";
import { dirSize } from "./fs-ops.js";
import type { BudgetResult, CachePlan, TargetCacheStore } from "./target-cache.js";

export interface CachedBuildOptions extends RunBuildxOptions {
  store: TargetCacheStore;
  target: string;
  /** BUILDER_CACHE_MAX_BYTES (or the target's own cache.maxBytes when smaller). */
  maxBytes: number;
}

export interface CachedBuildResult {
  outcome: BuildxOutcome;
  cache: CacheInfo;
  budget: BudgetResult;
  /** Set when the export could not be committed (the build itself still counts). */
  commitError?: string;
}

export type UncachedSpec = Omit<BuildxSpec, "cacheFrom" | "cacheTo">;

export async function runBuildxWithCache(
  spec: UncachedSpec,
  options: CachedBuildOptions,
): Promise<CachedBuildResult> {
  const { store, target } = options;
  let plan: CachePlan | undefined = await store.prepare(target);
  let recovered = plan.recovered;
  let imported = plan.from !== undefined;
  let outcome: BuildxOutcome;
  try {
    outcome = await runBuildx(withPlan(spec, plan), options);
    const problem = outcome.cacheProblem;
    if (problem?.stage === "import" && plan.from) {
      // buildx could not read the imported cache (it warns and goes on, or fails): move it aside.
      recovered = problem.message;
      imported = false;
      await store.quarantine(target, problem.message);
    }
    if (!outcome.ok && !outcome.aborted && outcome.error?.kind === "cache") {
      options.onLine?.("stderr", `comfyume-builder: ${outcome.error.message}; building again without it`);
      await finish(store, plan, false);
      // After an import failure the next attempt still exports a fresh cache; after an
      // export failure (e.g. a full disk) it builds without any cache.
      plan = problem?.stage === "export" ? undefined : await store.prepare(target);
      outcome = await runBuildx(plan ? withPlan(spec, plan) : spec, options);
    }
  } catch (err) {
    if (plan) await finish(store, plan, false);
    throw err;
  }
  const commitError = plan ? await finish(store, plan, outcome.ok) : undefined;
  const budget = await store.enforceBudget(options.maxBytes, { protect: target });
  const cache: CacheInfo = {
    imported: imported && outcome.ok,
    cachedSteps: outcome.steps.cached,
    totalSteps: outcome.steps.total,
    ...(recovered && { recovered }),
    ...(outcome.ok && plan && !commitError && { exportedBytes: await dirSize(store.currentDir(target)) }),
  };
  return { outcome, cache, budget, ...(commitError && { commitError }) };
}

function withPlan(spec: UncachedSpec, plan: CachePlan): BuildxSpec {
  return { ...spec, cacheTo: plan.to, ...(plan.from && { cacheFrom: plan.from }) };
}

/** Releases the snapshot and commits or discards the export; returns why a commit failed. */
async function finish(
  store: TargetCacheStore,
  plan: CachePlan,
  commit: boolean,
): Promise<string | undefined> {
  await store.release(plan);
  if (!commit) {
    await store.discard(plan.to);
    return undefined;
  }
  try {
    await store.commit(plan.target, plan.to);
    return undefined;
  } catch (err) {
    if (err instanceof CacheError) return err.message;
    throw err;
  }
}
