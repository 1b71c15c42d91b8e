// The job layer's coordination files on the shared data dir (an NFS mount in production):
// exclusive creation and atomic replacement come from the store's primitives
// (store/atomic-file.ts: a fsynced temp file, then link(2) or rename(2)); stealing a stale
// file by renaming it away first, so only one replica wins, is the job layer's own.
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { createFileExclusive, replaceFileAtomic } from "../store/atomic-file.js";

/** A private name beside `file` for a stale file this replica takes away. */
function takenName(file: string): string {
  return `${file}.taken-${process.pid}-${randomBytes(6).toString("hex")}`;
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

/** Creates `file` with `data` only if it does not exist. Returns false when it exists. */
export async function createExclusive(file: string, data: string): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await createFileExclusive(file, data);
    return true;
  } catch (err) {
    if (errno(err) === "EEXIST") return false;
    throw err;
  }
}

/** Replaces `file` atomically with `value` as JSON. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await replaceFileAtomic(file, `${JSON.stringify(value)}\n`);
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
  const taken = takenName(file);
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
