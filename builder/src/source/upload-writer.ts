// Puts planned tar entries on disk, only ever inside `root` and never through a
// symlink (upload-entry.ts decides what is allowed; this decides how it is written).
// Speed: large files go out in 1 MiB writev batches at explicit offsets, a few in
// flight while the next is read; small files are collected (bounded by SMALL_FILE_BYTES) and
// written in the background, a few at a time, so one file's open/write/close round
// trips overlap the next entry's parsing. `settle()` waits for every background
// write, so a caller that removes the tree after a failure never races a write.
// Bounds: every entry is charged its footprint on disk (upload-limits.ts) before it is
// written, and the free space is asked again after every `space.everyBytes` of it.
import { constants } from "node:fs";
import { link, mkdir, open, symlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { UploadDiskLowError, UploadError } from "./source-error.js";
import { SymlinkGuard, type EntryPlan } from "./upload-entry.js";
import { DIRECTORY_BYTES, entryFootprint } from "./upload-limits.js";

export interface SpaceCheck {
  /** Why the destination's disk is below its free-space thresholds, or undefined when it is fine. */
  check: () => Promise<string | undefined>;
  /** Asked again each time this many more bytes were charged. */
  everyBytes: number;
}

export interface WriterBudget {
  /** Footprint the unpacked tree may take (BUILDER_MAX_UPLOAD_BYTES). */
  maxBytes: number;
  space?: SpaceCheck;
}

const SMALL_FILE_BYTES = 256 * 1024;
const MAX_BACKGROUND_WRITES = 16;
const BATCH_BYTES = 1 << 20;
const MAX_BATCHES_IN_FLIGHT = 3;
// O_NOFOLLOW: even if a symlink were somehow at the path, the open fails instead of following it.
const FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

export class EntryWriter {
  files = 0;
  /** Bytes charged so far (see upload-limits.ts). */
  footprint = 0;
  private checkedAt = 0;
  private readonly guard = new SymlinkGuard();
  private readonly dirs = new Set<string>([""]);
  private readonly background = new Map<string, Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly root: string,
    private readonly budget: WriterBudget,
  ) {}

  async write(plan: EntryPlan, content: AsyncIterable<Buffer>): Promise<void> {
    if (this.failure) throw this.failure.error;
    if (plan.kind !== "skip") this.charge(entryFootprint(plan), plan.path);
    await this.checkSpace();
    if (plan.kind === "skip" || plan.kind === "directory") {
      if (plan.kind === "directory") await this.ensureDir(plan.path, plan.mode);
      return drain(content);
    }
    this.guard.check(plan.path);
    await this.ensureDir(path.posix.dirname(plan.path));
    const abs = path.join(this.root, plan.path);
    if (plan.kind === "file") {
      await this.background.get(plan.path); // a repeated name: the later entry wins, never interleaved
      await this.writeFile(plan.path, abs, plan.mode, plan.size, content);
    } else {
      await drain(content);
      // A link must see its target complete and must not race a write to its own path.
      await this.settle();
      if (plan.kind === "symlink") {
        await symlink(plan.target, abs);
        this.guard.add(plan.path);
      } else {
        this.guard.check(plan.target, "hardlink target");
        await link(path.join(this.root, plan.target), abs).catch((err: NodeJS.ErrnoException) => {
          throw new UploadError(
            `hardlink "${plan.path}" -> "${plan.target}" cannot be made: ${err.code ?? err.message}`,
          );
        });
      }
    }
    this.files++;
  }

  /** Waits for every background write; throws the first failure among them. */
  async settle(): Promise<void> {
    await Promise.all(this.background.values());
    if (this.failure) throw this.failure.error;
  }

  private charge(bytes: number, entryPath: string): void {
    this.footprint += bytes;
    if (this.footprint > this.budget.maxBytes) {
      throw new UploadError(
        `the archive unpacks to more than ${this.budget.maxBytes} bytes on disk (at entry ${JSON.stringify(entryPath.slice(0, 200))}; each entry counts 512 bytes plus its data in whole 4 KiB blocks) (BUILDER_MAX_UPLOAD_BYTES)`,
        { status: 413 },
      );
    }
  }

  private async checkSpace(): Promise<void> {
    const space = this.budget.space;
    if (!space || this.footprint - this.checkedAt < space.everyBytes) return;
    this.checkedAt = this.footprint;
    const problem = await space.check();
    if (problem) throw new UploadDiskLowError(`the upload was stopped: ${problem}`);
  }

  private async writeFile(
    rel: string,
    abs: string,
    mode: number,
    size: number,
    content: AsyncIterable<Buffer>,
  ): Promise<void> {
    if (size > SMALL_FILE_BYTES) return writeStreamed(abs, mode, content);
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(chunk);
    if (this.background.size >= MAX_BACKGROUND_WRITES) await Promise.race(this.background.values());
    if (this.failure) throw this.failure.error;
    const done = writeWhole(abs, mode, chunks)
      // Recorded, not thrown: nobody awaits this promise until the next entry or settle().
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        if (this.background.get(rel) === done) this.background.delete(rel);
      });
    this.background.set(rel, done);
  }

  private async ensureDir(rel: string, mode = 0o755): Promise<void> {
    if (rel === "." || this.dirs.has(rel)) return;
    this.guard.check(rel, "directory");
    // Every directory this creates (the parents too) takes a block.
    for (let p = rel; p !== "." && !this.dirs.has(p); p = path.posix.dirname(p))
      this.charge(DIRECTORY_BYTES, p);
    await mkdir(path.join(this.root, rel), { recursive: true, mode });
    // Record the directory and its parents so later entries skip the syscall.
    for (let p = rel; p !== "." && !this.dirs.has(p); p = path.posix.dirname(p)) this.dirs.add(p);
  }
}

async function writeWhole(abs: string, mode: number, chunks: Buffer[]): Promise<void> {
  const fh = await open(abs, FILE_FLAGS, mode);
  try {
    await writeAll(fh, chunks);
  } finally {
    await fh.close();
  }
}

/**
 * Streams a large entry in BATCH_BYTES batches at explicit offsets, up to
 * MAX_BATCHES_IN_FLIGHT at once, so the thread pool writes while this thread parses;
 * memory stays at a few MiB per upload whatever the entry's size.
 */
async function writeStreamed(abs: string, mode: number, content: AsyncIterable<Buffer>): Promise<void> {
  const fh = await open(abs, FILE_FLAGS, mode);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let offset = 0;
  const start = (batch: Buffer[], size: number) => {
    const p: Promise<void> = writeAll(fh, batch, offset)
      // Recorded, not thrown: it is rethrown by the loop or after it.
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    offset += size;
  };
  try {
    let batch: Buffer[] = [];
    let batched = 0;
    for await (const chunk of content) {
      batch.push(chunk);
      batched += chunk.length;
      if (batched < BATCH_BYTES) continue;
      if (inFlight.size >= MAX_BATCHES_IN_FLIGHT) await Promise.race(inFlight);
      if (failure) throw failure.error;
      start(batch, batched);
      batch = [];
      batched = 0;
    }
    if (batched > 0) start(batch, batched);
    await Promise.all(inFlight);
    if (failure) throw failure.error;
  } finally {
    await Promise.all(inFlight); // never close the handle under a running write
    await fh.close();
  }
}

/** writev until every byte is out: a regular file may still take a short write. */
async function writeAll(fh: FileHandle, chunks: Buffer[], position = 0): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    const want = rest.reduce((n, c) => n + c.length, 0);
    if (want === 0) return;
    const { bytesWritten } = await fh.writev(rest, position);
    if (bytesWritten === want) return;
    rest = skipBytes(rest, bytesWritten);
    position += bytesWritten;
  }
}

function skipBytes(chunks: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < chunks.length && n >= chunks[i]!.length) n -= chunks[i++]!.length;
  const out = chunks.slice(i);
  if (out.length > 0 && n > 0) out[0] = out[0]!.subarray(n);
  return out;
}

async function drain(content: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of content) void chunk; // the entry must be consumed before the next one is read
}
