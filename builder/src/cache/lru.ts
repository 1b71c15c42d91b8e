// The LRU clock of the cache store: one empty marker file per target whose mtime is the
// target's last use. Updating an mtime is a single atomic syscall, so concurrent
// builds and replicas never corrupt it (a JSON file would need locking).
import { mkdir, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { isErrno, mtimeMs } from "./fs-ops.js";

export async function touchMarker(usedDir: string, target: string): Promise<void> {
  const marker = path.join(usedDir, target);
  const now = new Date();
  try {
    await utimes(marker, now, now);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
    await mkdir(usedDir, { recursive: true });
    await writeFile(marker, "");
  }
}

/** Targets least recently used first; a target without a marker counts as the oldest. */
export async function leastRecentlyUsed(usedDir: string, targets: readonly string[]): Promise<string[]> {
  const used = await Promise.all(targets.map(async (t) => ({ t, at: await mtimeMs(path.join(usedDir, t)) })));
  return used.sort((a, b) => a.at - b.at || (a.t < b.t ? -1 : 1)).map((u) => u.t);
}
