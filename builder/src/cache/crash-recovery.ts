// Crash leftovers of a cache root, swept at the start of any replica and on a timer. A
// commit is two renames (current -> .trash, fresh -> current); a process that died
// between them leaves the old complete cache in .trash and no current one, so that entry
// is put back. Anything else in .trash, and exports and read snapshots in .tmp, is a
// leftover once no build holds its target: only the build holding a target's lock
// (jobs/leases.ts, shared by every replica) makes .tmp entries for it and swaps its cache,
// so "target not busy" means nobody can still be using them. Evictions (of any target,
// by any build) go to `<target>-evicted-…` and are never restored.
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { isTargetName } from "./cache-error.js";
import { isErrno, mtimeMs } from "./fs-ops.js";
import { validateCacheDir } from "./validate-cache.js";

// Names are `<target>-<time36>-<pid36>-<8 hex>` (fs-ops.ts uniqueSuffix), with `-read`
// (a read snapshot) or `-evicted` (a cache on its way out) between target and suffix.
const SUFFIX = /-[a-z0-9]+-[a-z0-9]+-[a-f0-9]{8}$/;
export const EVICTED = "-evicted";
const READ = "-read";

export type TargetBusy = (target: string) => Promise<boolean>;

/** The targets a leftover may belong to (a target may itself end in "-read"). */
function targetsOf(name: string): string[] {
  const stem = name.replace(SUFFIX, "");
  const out = [stem];
  for (const tag of [READ, EVICTED]) if (stem.endsWith(tag)) out.push(stem.slice(0, -tag.length));
  return out.filter(isTargetName);
}

async function anyBusy(name: string, isBusy: TargetBusy): Promise<boolean> {
  for (const target of targetsOf(name)) if (await isBusy(target)) return true;
  return false;
}

/**
 * Sweeps `root`; returns the entries removed or restored (as ".tmp/<name>", ".trash/<name>").
 * `inUse` names entries this process is working with (its store's exports, snapshots and
 * swaps in flight): never leftovers, whatever the target locks say.
 */
export async function recoverCacheRoot(
  root: string,
  isBusy: TargetBusy,
  inUse: (name: string) => boolean = () => false,
): Promise<string[]> {
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  const swept: string[] = [];
  for (const name of await list(path.join(root, ".trash"))) {
    if (inUse(name) || (await anyBusy(name, isBusy))) continue;
    const p = path.join(root, ".trash", name);
    const stem = name.replace(SUFFIX, "");
    const restored =
      !stem.endsWith(EVICTED) && isTargetName(stem) && (await restore(p, path.join(root, stem)));
    if (!restored) await rm(p, { recursive: true, force: true });
    swept.push(`.trash/${name}`);
  }
  for (const name of await list(path.join(root, ".tmp"))) {
    if (inUse(name) || (await anyBusy(name, isBusy))) continue;
    await rm(path.join(root, ".tmp", name), { recursive: true, force: true });
    swept.push(`.tmp/${name}`);
  }
  return swept;
}

async function restore(trashDir: string, current: string): Promise<boolean> {
  if ((await mtimeMs(current)) > 0 || !(await validateCacheDir(trashDir)).ok) return false;
  try {
    await rename(trashDir, current);
    return true;
  } catch (err) {
    if (isErrno(err, "ENOTEMPTY", "EEXIST")) return false; // a new cache arrived meanwhile
    throw err;
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw err;
  }
}
