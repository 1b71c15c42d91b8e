// Startup clean-up of a cache root after a crash. A commit is two renames (current ->
// .trash, fresh -> current); a process that died between them leaves the old complete
// cache in .trash and no current one, so that entry is put back. Anything else in
// .trash, and exports in .tmp, that is older than any build could run is a leftover.
// Entries younger than `staleAfterMs` may belong to a build running on another replica
// sharing the directory, so they are left alone.
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { isTargetName } from "./cache-error.js";
import { isErrno, mtimeMs } from "./fs-ops.js";
import { validateCacheDir } from "./validate-cache.js";

// Names are `<target>-<time36>-<pid36>-<8 hex>` (fs-ops.ts uniqueSuffix).
const SUFFIX = /-[a-z0-9]+-[a-z0-9]+-[a-f0-9]{8}$/;

export async function recoverCacheRoot(root: string, staleAfterMs: number): Promise<void> {
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  const cutoff = Date.now() - staleAfterMs;
  // staleAfterMs 0 means everything (file mtimes come from a coarser clock than Date.now()).
  const isStale = async (p: string) => staleAfterMs <= 0 || (await mtimeMs(p)) <= cutoff;
  for (const name of await list(path.join(root, ".trash"))) {
    const p = path.join(root, ".trash", name);
    if (!(await isStale(p))) continue;
    const target = name.replace(SUFFIX, "");
    const restored = isTargetName(target) && (await restore(p, path.join(root, target)));
    if (!restored) await rm(p, { recursive: true, force: true });
  }
  for (const name of await list(path.join(root, ".tmp"))) {
    const p = path.join(root, ".tmp", name);
    if (await isStale(p)) await rm(p, { recursive: true, force: true });
  }
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
