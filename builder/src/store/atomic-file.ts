// Whole-file writes that readers never see half done, on a local disk or NFS: the
// data goes to a temp file in the same directory, is fsynced, and then either
// renamed over the target (replace) or hard-linked to it (exclusive create; link(2)
// fails with EEXIST atomically, also on NFS, where O_EXCL historically was not safe).
// A crash leaves at most a stale `.*.tmp` file that no reader ever opens.
import { randomBytes } from "node:crypto";
import { open, rename, link, stat, unlink } from "node:fs/promises";
import path from "node:path";

function tempPathFor(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
}

async function writeTemp(file: string, data: string): Promise<string> {
  const tmp = tempPathFor(file);
  const fh = await open(tmp, "wx", 0o644);
  try {
    await fh.writeFile(data, "utf8");
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined); // best effort: the write already failed, report that
    throw err;
  }
  await fh.close();
  return tmp;
}

/** Replaces `file` with `data` atomically. */
export async function replaceFileAtomic(file: string, data: string): Promise<void> {
  const tmp = await writeTemp(file, data);
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined); // best effort: the rename already failed, report that
    throw err;
  }
  await syncDir(path.dirname(file));
}

/**
 * Creates `file` with `data` atomically; rejects with an EEXIST error if it already exists.
 * On NFS a link() whose reply was lost can report an error although it succeeded; the
 * temp file's link count (2) tells the truth, as the Linux open(2) man page advises.
 */
export async function createFileExclusive(file: string, data: string): Promise<void> {
  const tmp = await writeTemp(file, data);
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST" || (await stat(tmp)).nlink !== 2) throw err;
  } finally {
    await unlink(tmp);
  }
  await syncDir(path.dirname(file));
}

// Makes the new directory entry itself durable. Some filesystems (NFS among them)
// refuse fsync on a directory; the rename is still atomic there, so that is fine.
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch {
    // Directory fsync unsupported (EINVAL/EISDIR/EBADF on some filesystems): atomicity does not depend on it.
  } finally {
    await fh?.close();
  }
}
