// Small filesystem helpers for the cache store: sizes, hard-linked snapshots, and
// unique names. They work on NFS (the cache lives on SFS in production): rename within
// one filesystem is atomic there too, and hard links are supported.
import { randomBytes } from "node:crypto";
import { link, lstat, mkdir, readdir, rename, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Total bytes of regular files under `p` (0 when it does not exist; best effort while it
 * is replaced). With `seen`, a file hard-linked more than once (a read snapshot, a seeded
 * export) counts once across every call that shares the set.
 */
export async function dirSize(p: string, seen?: Set<string>): Promise<number> {
  let st;
  try {
    st = await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  if (!st.isDirectory()) {
    if (!st.isFile()) return 0;
    if (seen && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return 0;
      seen.add(key);
    }
    return st.size;
  }
  let entries: string[];
  try {
    entries = await readdir(p);
  } catch (err) {
    // A concurrent commit or eviction moved the directory away while it was measured.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  let total = 0;
  for (const entry of entries) total += await dirSize(path.join(p, entry), seen);
  return total;
}

/**
 * Recreates the tree at `src` under `dest` with hard links. Cache blobs are immutable
 * (content-addressed, written once), so a linked snapshot stays readable even when a
 * concurrent commit replaces and deletes the original directory.
 */
export async function linkTree(src: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dest, entry.name);
    if (entry.isDirectory()) await linkTree(from, to);
    else if (entry.isFile()) await link(from, to);
  }
}

/** A name suffix unique across processes and replicas sharing the directory. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}-${process.pid.toString(36)}-${randomBytes(4).toString("hex")}`;
}

export function isErrno(err: unknown, ...codes: string[]): boolean {
  return codes.includes((err as NodeJS.ErrnoException)?.code ?? "");
}

/** mtime in ms, 0 when the path does not exist. */
export async function mtimeMs(p: string): Promise<number> {
  try {
    return (await stat(p)).mtimeMs;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return 0;
    throw err;
  }
}

/** Renames; false when the source does not exist. */
export async function renameIfExists(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
}
