// File primitives that stay atomic on NFS (the data dir is an NFS mount in production):
// exclusive creation by link(2) of a fully written temp file (O_EXCL on old NFS clients
// is not reliable, and a plain exclusive open would expose an empty file to readers),
// replacement by rename(2), and stealing a stale file by renaming it away first so only
// one replica wins.
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

function tempName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Unlinks `file`; a file that is already gone is what we wanted. */
export async function removeFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if (errno(err) !== "ENOENT") throw err;
  }
}

/**
 * Creates `file` with `data` only if it does not exist. Returns false when it exists.
 * On NFS a link() whose reply was lost can report an error although it succeeded; the
 * temp file's link count (2) tells the truth, as the Linux open(2) man page advises.
 */
export async function createExclusive(file: string, data: string): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  await writeFile(tmp, data);
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if (errno(err) === "EEXIST") return false;
    const st = await stat(tmp);
    if (st.nlink === 2) return true;
    throw err;
  } finally {
    await removeFile(tmp);
  }
}

/** Replaces `file` atomically with `value` as JSON. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  await writeFile(tmp, `${JSON.stringify(value)}\n`);
  try {
    await rename(tmp, file);
  } catch (err) {
    await removeFile(tmp);
    throw err;
  }
}

/** Reads a JSON file; undefined when it does not exist. */
export async function resolveJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if (errno(err) === "ENOENT") return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if (errno(err) === "ENOENT") return false;
    throw err;
  }
}

/**
 * Removes `file` if `isStale(content)` holds for the content this replica actually took.
 * The file is renamed to a private name first, so of several replicas judging the same
 * stale file only one gets it; if what it got turns out to be fresh (someone replaced
 * it in between) it is put back with an exclusive link. Returns true when removed.
 */
export async function removeIfStale<T>(
  file: string,
  isStale: (content: T | undefined) => boolean,
): Promise<boolean> {
  const taken = tempName(file);
  try {
    await rename(file, taken);
  } catch (err) {
    if (errno(err) === "ENOENT") return false;
    throw err;
  }
  let content: T | undefined;
  try {
    content = JSON.parse(await readFile(taken, "utf8")) as T;
  } catch {
    // Unreadable content cannot prove a holder is alive; judge it as "no content".
    content = undefined;
  }
  if (isStale(content)) {
    await removeFile(taken);
    return true;
  }
  try {
    await link(taken, file);
  } catch (err) {
    // EEXIST: a newer holder already replaced it, which is as good as putting it back.
    if (errno(err) !== "EEXIST") throw err;
  }
  await removeFile(taken);
  return false;
}
