// One local BuildKit cache per target under a root directory (BUILDER_CACHE_DIR):
//   <root>/<target>/            the current cache (an OCI layout written by buildx)
//   <root>/.tmp/<target>-…      fresh exports and read snapshots of running builds
//   <root>/.trash/<target>-…    a replaced cache on its way out
//   <root>/.broken/<target>-…   caches buildx could not read, kept for inspection
//   <root>/.used/<target>       marker whose mtime is the target's last use (LRU)
// A build exports into a fresh directory; commit swaps it in with renames, so the
// current directory is always either the old or the new complete cache. Quarantined
// caches count toward the budget and are the first to go when it is exceeded; at most
// `keepBroken` are kept. Exports, snapshots and trash count too (hard links once) until
// they are swept: a crash leftover takes real disk until then.
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { CacheError, checkTarget, isTargetName } from "./cache-error.js";
import { EVICTED, recoverCacheRoot, type TargetBusy } from "./crash-recovery.js";
import { leastRecentlyUsed, touchMarker } from "./lru.js";
import { dirSize, isErrno, linkTree, mtimeMs, renameIfExists, uniqueSuffix } from "./fs-ops.js";
import { pruneUnreachableBlobs, validateCacheDir, type CacheValidation } from "./validate-cache.js";
import { errorMessage } from "../../../common/errors.js";

export interface CachePlan {
  target: string;
  /** A readable snapshot of the current cache, for --cache-from; absent when there is none. */
  from?: string;
  /** A fresh, empty-to-be directory for --cache-to. */
  to: string;
  /** Why the previous cache was moved aside, when it was. */
  recovered?: string;
}

export interface BudgetResult {
  evicted: string[];
  freedBytes: number;
  totalBytes: number;
}

export interface CacheUsage {
  targets: { target: string; bytes: number; lastUsedMs: number | null }[];
  /** Caches buildx could not read, kept for inspection; they count against the budget. */
  quarantinedBytes: number;
  /** What the budget counts: the above plus running exports and crash leftovers, hard links once. */
  totalBytes: number;
}

export interface TargetCacheOptions {
  /** Quarantined caches kept at most (default 2). */
  keepBroken?: number;
  /**
   * True while a build (on any replica) holds the target: its .tmp and .trash entries are
   * in use. The job layer's target locks answer it; default: no target is ever busy, for
   * a store no build is using.
   */
  isTargetBusy?: TargetBusy;
}

export class TargetCacheStore {
  private readonly keepBroken: number;
  private readonly isTargetBusy: TargetBusy;
  private readonly commits = new Map<string, Promise<void>>();
  /**
   * Names in .tmp and .trash this store is working with (exports, snapshots, swaps): a
   * sweep leaves them alone even when no target lock is held, as when builds share a
   * store without the job layer (tests, tools).
   */
  private readonly inFlight = new Set<string>();

  constructor(
    readonly root: string,
    options: TargetCacheOptions = {},
  ) {
    this.keepBroken = options.keepBroken ?? 2;
    this.isTargetBusy = options.isTargetBusy ?? (() => Promise.resolve(false));
  }

  private dir(kind: ".tmp" | ".trash" | ".broken" | ".used", name = ""): string {
    return path.join(this.root, kind, name);
  }

  /** The current cache directory of a target. */
  currentDir(target: string): string {
    checkTarget(target);
    return path.join(this.root, target);
  }

  /**
   * Removes leftovers of crashed builds whose target no build holds (see crash-recovery.ts);
   * returns what it swept. Run at startup, on the sweep timer and by `cache prune`.
   */
  sweepLeftovers(): Promise<string[]> {
    return recoverCacheRoot(this.root, this.isTargetBusy, (name) => this.inFlight.has(name));
  }

  private hold(dir: string): string {
    this.inFlight.add(path.basename(dir));
    return dir;
  }

  private letGo(dir: string | undefined): void {
    if (dir) this.inFlight.delete(path.basename(dir));
  }

  /** Prepares a build: a snapshot of the valid current cache (or none), and a fresh export dir. */
  async prepare(target: string): Promise<CachePlan> {
    const current = this.currentDir(target);
    await mkdir(this.dir(".tmp"), { recursive: true });
    await this.touch(target);
    const to = this.hold(this.dir(".tmp", `${target}-${uniqueSuffix()}`));
    let from: string | undefined;
    try {
      if ((await mtimeMs(current)) === 0) return { target, to };
      const check = await validateCacheDir(current);
      if (!check.ok) {
        await this.quarantine(target, check.reason);
        return { target, to, recovered: check.reason };
      }
      from = this.hold(this.dir(".tmp", `${target}-read-${uniqueSuffix()}`));
      try {
        await linkTree(current, from);
      } catch (err) {
        // A commit replaced the cache while it was being linked: build without it this time.
        if (isErrno(err, "ENOENT")) {
          await this.drop(from);
          return { target, to };
        }
        throw err;
      }
      // A commit that swapped the directory mid-walk can leave a mixed snapshot: then this
      // build goes without a cache, and the (complete) current cache is left alone.
      if (!(await validateCacheDir(from)).ok) {
        await this.drop(from);
        return { target, to };
      }
      // Seed the export dir with the current blobs: BuildKit's local exporter skips a blob
      // that already exists, so an unchanged multi-GB layer is linked, not rewritten
      // (measured: a warm example rebuild's export drops from ~4.4 s to ~1 s). Only blobs —
      // they are content-addressed and never modified in place; index.json is written fresh.
      await linkTree(path.join(from, "blobs"), path.join(to, "blobs"));
      return { target, from, to };
    } catch (err) {
      // Nothing of a plan that failed to be made may stay on disk or stay held.
      await this.drop(to).catch(() => undefined);
      if (from) await this.drop(from).catch(() => undefined);
      throw err;
    }
  }

  /** Removes a .tmp entry of this store and stops holding it. */
  private async drop(dir: string): Promise<void> {
    try {
      await rm(dir, { recursive: true, force: true });
    } finally {
      this.letGo(dir);
    }
  }

  /** Removes the read snapshot of a plan (after the build, whatever its outcome). */
  async release(plan: CachePlan): Promise<void> {
    if (plan.from) await this.drop(plan.from);
  }

  validate(dir: string): Promise<CacheValidation> {
    return validateCacheDir(dir);
  }

  /** Swaps a finished export in as the target's cache. Throws CacheError when the export is not a valid cache. */
  async commit(target: string, freshDir: string): Promise<void> {
    checkTarget(target);
    const previous = this.commits.get(target) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.swapIn(target, freshDir));
    this.commits.set(target, next);
    try {
      await next;
    } finally {
      if (this.commits.get(target) === next) this.commits.delete(target);
      this.letGo(freshDir);
    }
  }

  private async swapIn(target: string, freshDir: string): Promise<void> {
    const check = await validateCacheDir(freshDir);
    if (!check.ok) {
      await this.discard(freshDir);
      throw new CacheError(
        "CACHE_EXPORT_INVALID",
        `the exported cache for ${target} is not usable: ${check.reason}`,
      );
    }
    await pruneUnreachableBlobs(freshDir, check.digests);
    const current = this.currentDir(target);
    await mkdir(this.dir(".trash"), { recursive: true });
    // Another replica may commit the same target between our renames; then the rename
    // onto a non-empty directory fails and we move its cache aside and try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const trash = this.hold(this.dir(".trash", `${target}-${uniqueSuffix()}`));
      try {
        const moved = await renameIfExists(current, trash);
        try {
          await rename(freshDir, current);
        } catch (err) {
          if (isErrno(err, "ENOTEMPTY", "EEXIST")) {
            if (moved) await rm(trash, { recursive: true, force: true });
            continue;
          }
          // Any other failure (an NFS EIO...): put the previous cache back, so a failed
          // commit costs this build its export, not the target its cache.
          if (moved) await renameIfExists(trash, current).catch(() => false);
          await this.discard(freshDir);
          throw new CacheError(
            "CACHE_COMMIT_FAILED",
            `could not swap in the new cache for ${target}: ${errorMessage(err)}`,
          );
        }
        if (moved) await rm(trash, { recursive: true, force: true });
        await this.touch(target);
        return;
      } finally {
        this.letGo(trash);
      }
    }
    await this.discard(freshDir);
    throw new CacheError(
      "CACHE_COMMIT_FAILED",
      `could not swap in the new cache for ${target} after 5 attempts`,
    );
  }

  /** Deletes a fresh export that will not be committed. */
  async discard(freshDir: string): Promise<void> {
    const rel = path.relative(this.dir(".tmp"), freshDir);
    if (rel.startsWith("..") || path.isAbsolute(rel) || rel === "") {
      throw new CacheError(
        "CACHE_INVALID_TARGET",
        `${JSON.stringify(freshDir)} is not a directory of this cache store's .tmp`,
      );
    }
    try {
      await rm(freshDir, { recursive: true, force: true });
    } finally {
      // Not held once given up: if rm failed, the next sweep takes what is left.
      this.letGo(freshDir);
    }
  }

  /** Moves an unreadable cache aside so the next build starts clean; keeps the newest `keepBroken`. */
  async quarantine(target: string, reason: string): Promise<string | undefined> {
    await mkdir(this.dir(".broken"), { recursive: true });
    const dest = this.dir(
      ".broken",
      `${target}-${new Date().toISOString().replace(/[:.]/g, "-")}-${uniqueSuffix()}`,
    );
    if (!(await renameIfExists(this.currentDir(target), dest))) return undefined;
    await writeFile(path.join(dest, "QUARANTINED.txt"), `${new Date().toISOString()} ${reason}\n`);
    const broken = await this.byAge(".broken");
    for (const old of broken.slice(0, Math.max(0, broken.length - this.keepBroken))) {
      await rm(this.dir(".broken", old.name), { recursive: true, force: true });
    }
    return dest;
  }

  /** Bytes per target's current cache. */
  async sizes(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const name of await this.list())
      if (isTargetName(name)) out[name] = await dirSize(path.join(this.root, name));
    return out;
  }

  /** What `cache ls` shows: each target's cache with its last use (null: never marked), and quarantined bytes. */
  async usage(): Promise<CacheUsage> {
    const sizes = await this.sizes();
    const targets = await Promise.all(
      Object.entries(sizes).map(async ([target, bytes]) => {
        const at = await mtimeMs(this.dir(".used", target));
        return { target, bytes, lastUsedMs: at === 0 ? null : at };
      }),
    );
    return {
      targets,
      quarantinedBytes: await dirSize(this.dir(".broken")),
      totalBytes: await this.totalBytes(),
    };
  }

  /**
   * Bytes counted against the budget: current caches, quarantined ones, and what is in
   * .tmp and .trash (running exports, or crash leftovers until they are swept). Hard-linked
   * blobs (snapshots, seeded exports) count once.
   */
  async totalBytes(): Promise<number> {
    const seen = new Set<string>();
    let total = 0;
    for (const name of await this.list())
      if (isTargetName(name)) total += await dirSize(path.join(this.root, name), seen);
    for (const kind of [".broken", ".tmp", ".trash"] as const) total += await dirSize(this.dir(kind), seen);
    return total;
  }

  /**
   * Evicts quarantined caches, then the least recently used targets' caches, until the
   * total is at most maxBytes. `protect` (the target just built) is kept unless its cache
   * alone exceeds the budget, in which case keeping it could never satisfy the budget.
   */
  async enforceBudget(maxBytes: number, options: { protect?: string } = {}): Promise<BudgetResult> {
    const evicted: string[] = [];
    let freedBytes = 0;
    // Leftovers go before any live cache does.
    await this.sweepLeftovers();
    let total = await this.totalBytes();
    for (const b of await this.byAge(".broken")) {
      if (total <= maxBytes) break;
      const bytes = await dirSize(this.dir(".broken", b.name));
      await rm(this.dir(".broken", b.name), { recursive: true, force: true });
      total -= bytes;
      freedBytes += bytes;
    }
    const sizes = await this.sizes();
    const protectedFits = options.protect !== undefined && (sizes[options.protect] ?? 0) <= maxBytes;
    const candidates = await leastRecentlyUsed(this.dir(".used"), Object.keys(sizes));
    for (const target of candidates) {
      if (total <= maxBytes) break;
      if (target === options.protect && protectedFits) continue;
      await this.evict(target);
      total -= sizes[target] ?? 0;
      freedBytes += sizes[target] ?? 0;
      evicted.push(target);
    }
    return { evicted, freedBytes, totalBytes: total };
  }

  /** `comfyume-builder cache prune`: crash leftovers, then caches down to maxBytes (0 removes all). */
  async prune(maxBytes: number): Promise<BudgetResult> {
    await this.sweepLeftovers();
    return this.enforceBudget(maxBytes);
  }

  /** Removes a target's cache atomically (rename away, then delete). */
  async evict(target: string): Promise<void> {
    await mkdir(this.dir(".trash"), { recursive: true });
    // Marked as evicted: a sweep must never mistake it for a commit a crash cut short.
    const trash = this.dir(".trash", `${target}${EVICTED}-${uniqueSuffix()}`);
    if (await renameIfExists(this.currentDir(target), trash))
      await rm(trash, { recursive: true, force: true });
    await rm(this.dir(".used", target), { force: true });
  }

  /** Marks a target as used now (the LRU clock). */
  touch(target: string): Promise<void> {
    checkTarget(target);
    return touchMarker(this.dir(".used"), target);
  }

  private async byAge(kind: ".broken"): Promise<{ name: string; at: number }[]> {
    const entries = await Promise.all(
      (await this.list(kind)).map(async (name) => ({ name, at: await mtimeMs(this.dir(kind, name)) })),
    );
    return entries.sort((a, b) => a.at - b.at || (a.name < b.name ? -1 : 1));
  }

  private async list(kind?: ".tmp" | ".trash" | ".broken"): Promise<string[]> {
    try {
      return await readdir(kind ? this.dir(kind) : this.root);
    } catch (err) {
      if (isErrno(err, "ENOENT")) return [];
      throw err;
    }
  }
}
