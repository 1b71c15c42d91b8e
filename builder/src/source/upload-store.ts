// The uploads directory on the shared data dir, and every way a file gets in or out of it:
//   <root>/<sha256>/              an uploaded context (content-addressed, shared by every
//                                 build of the same bytes); its mtime is the last time a
//                                 build was submitted with it or ended using it
//   <root>/.incoming-<rand>/      an upload being unpacked: owner.json (who, heartbeat in
//                                 its mtime) and ctx/ (the tree, renamed into place at the end)
//   <root>/.removing-<sha>-<rand> a context on its way out (renamed first, so no build can
//                                 start on a half-deleted tree)
// Which contexts may go is the job layer's call (upload-retention.ts); this module makes
// the moves safe against a concurrent submit on any replica.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { resolveOwnerFile, resolveOwnerState, writeOwnerFile } from "../process/process-identity.js";
import { uploadContextDir } from "./upload-paths.js";

const INCOMING = ".incoming-";
const REMOVING = ".removing-";
const SHA256 = /^[a-f0-9]{64}$/;

export interface IncomingUpload {
  /** The unpack destination: ingestUpload's destDir. */
  dest: string;
  /** Marks the upload as alive for replicas that cannot see this process (call every few seconds). */
  heartbeat(): Promise<void>;
}

export interface StoredContext {
  sha256: string;
  mtimeMs: number;
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return codes.includes((err as NodeJS.ErrnoException)?.code ?? "");
}

export class UploadStore {
  /** Incoming dirs of uploads running in this process. */
  private readonly active = new Set<string>();

  constructor(readonly root: string) {}

  contextDir(sha256: string): string {
    return uploadContextDir(this.root, sha256);
  }

  /** A fresh incoming dir, owned by this process until publish() or discard(). */
  async createIncoming(): Promise<IncomingUpload> {
    await mkdir(this.root, { recursive: true });
    const dir = path.join(this.root, `${INCOMING}${randomBytes(8).toString("hex")}`);
    await mkdir(dir, { mode: 0o700 });
    this.active.add(dir);
    const owner = path.join(dir, "owner.json");
    try {
      await writeOwnerFile(owner);
    } catch (err) {
      // No handle reaches the caller: nothing may stay held or on disk.
      await rm(dir, { recursive: true, force: true }).finally(() => this.active.delete(dir));
      throw err;
    }
    return {
      dest: path.join(dir, "ctx"),
      heartbeat: async () => {
        const now = new Date();
        await utimes(owner, now, now).catch((err: unknown) => {
          if (!isErrno(err, "ENOENT")) throw err; // swept or published meanwhile: nothing to mark
        });
      },
    };
  }

  /**
   * Moves an unpacked upload into place as `<sha256>/`. `created` is false when those bytes
   * were there already (then the new copy is dropped and the old one's clock restarts).
   */
  async publish(incoming: IncomingUpload, sha256: string): Promise<{ dir: string; created: boolean }> {
    const dir = this.contextDir(sha256);
    let created = true;
    try {
      await rename(incoming.dest, dir);
    } catch (err) {
      if (!isErrno(err, "ENOTEMPTY", "EEXIST")) {
        await this.discard(incoming);
        throw err;
      }
      created = false;
      await this.touch(sha256);
    }
    await this.discard(incoming);
    return { dir, created };
  }

  /** Removes an incoming dir and what was unpacked into it. */
  async discard(incoming: IncomingUpload): Promise<void> {
    const dir = path.dirname(incoming.dest);
    try {
      await rm(dir, { recursive: true, force: true });
    } finally {
      // Not held once given up: if rm failed, the sweep takes what is left.
      this.active.delete(dir);
    }
  }

  /** Restarts a context's retention clock; false when the context is gone. */
  async touch(sha256: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(this.contextDir(sha256), now, now);
      return true;
    } catch (err) {
      if (isErrno(err, "ENOENT")) return false;
      throw err;
    }
  }

  async listContexts(): Promise<StoredContext[]> {
    const out: StoredContext[] = [];
    for (const name of await this.names()) {
      if (!SHA256.test(name)) continue;
      const st = await stat(path.join(this.root, name)).catch(() => undefined);
      if (st?.isDirectory()) out.push({ sha256: name, mtimeMs: st.mtimeMs });
    }
    return out;
  }

  /**
   * Deletes a context untouched since `before` (epoch ms) that `isNeeded` says no build
   * needs. It is renamed away first and looked at again: a submit that touched it in
   * between (its mtime moved) or a build that now needs it gets it back.
   */
  async removeIfUnused(sha256: string, before: number, isNeeded: () => Promise<boolean>): Promise<boolean> {
    const dir = this.contextDir(sha256);
    const seen = await stat(dir).catch(() => undefined);
    if (!seen || seen.mtimeMs > before || (await isNeeded())) return false;
    const away = path.join(this.root, `${REMOVING}${sha256}-${randomBytes(4).toString("hex")}`);
    try {
      await rename(dir, away);
    } catch (err) {
      if (isErrno(err, "ENOENT")) return false;
      throw err;
    }
    const after = await stat(away);
    if (after.mtimeMs > seen.mtimeMs || (await isNeeded())) {
      // The same bytes uploaded again meanwhile are the same context: then drop this copy.
      await rename(away, dir).catch(async (err: unknown) => {
        if (!isErrno(err, "ENOTEMPTY", "EEXIST")) throw err;
        await rm(away, { recursive: true, force: true });
      });
      return false;
    }
    await rm(away, { recursive: true, force: true });
    return true;
  }

  /**
   * Removes what crashed uploads and deletions left: incoming dirs whose owner is gone
   * (same host, process dead) or silent for `staleMs` (another host, no heartbeat), and
   * `.removing-*` dirs older than `staleMs`. Returns the names removed.
   */
  async sweepLeftovers(staleMs: number, now = Date.now()): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await this.names()) {
      const p = path.join(this.root, name);
      let stale = false;
      if (name.startsWith(INCOMING)) {
        if (this.active.has(p)) continue;
        const owner = await resolveOwnerFile(path.join(p, "owner.json"));
        const state = await resolveOwnerState(owner);
        if (state === "alive") continue;
        const st = await stat(path.join(p, owner ? "owner.json" : "")).catch(() => undefined);
        // "self" is not enough to call it ours: another store in this process (a second
        // runtime, as tests and `run` beside `serve` in one process have) may be writing it;
        // its heartbeat says whether anyone is.
        stale = state === "gone" || !st || st.mtimeMs + staleMs < now;
      } else if (name.startsWith(REMOVING)) {
        // A rename sets ctime: this is how long ago the deletion began.
        const st = await stat(p).catch(() => undefined);
        stale = !st || st.ctimeMs + staleMs < now;
      }
      if (!stale) continue;
      await rm(p, { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  private async names(): Promise<string[]> {
    try {
      return await readdir(this.root);
    } catch (err) {
      if (isErrno(err, "ENOENT")) return [];
      throw err;
    }
  }
}
