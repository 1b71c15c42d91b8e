// The durable store of build records and logs (SPEC §3 "Durability"). Layout under
// dataDir, which is on NFS in production and shared by several replicas:
//   builds/<id>/record.json   written atomically (temp + fsync + rename), never torn
//   builds/<id>/log.ndjson    one LogLine per line, O_APPEND, one write per batch
//   builds/<id>/work/         scratch space of the runner, removed by it
// Correctness relies only on atomic create/rename and O_APPEND; in-memory state is a
// cache (next seq, per-id write chains, shared log pollers) that is re-checked.
import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { monotonicFactory } from "ulid";
import {
  buildRecordSchema,
  isTerminalStatus,
  type BuildRecord,
  type BuildStatus,
  type LogLine,
} from "../../../common/build-record.js";
import { createFileExclusive, replaceFileAtomic } from "./atomic-file.js";
import { LogFollowHub } from "./log-follow-hub.js";
import { followLog, followLogPages, type FollowOptions } from "./follow-log.js";
import { appendText, iterateLogPages, resolveLogTail, resolveSeqOffset } from "./log-file.js";
import { assertBuildId, isValidBuildId, StoreError } from "./store-error.js";
import { errorMessage } from "../../../common/errors.js";

export interface ListQuery {
  target?: string;
  status?: BuildStatus;
  limit: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
  /** Further filtering (trigger, search) decided by the caller; the page is filled with matches. */
  match?: (record: BuildRecord) => boolean;
}

export interface ListPage {
  builds: BuildRecord[];
  nextCursor: string | null;
}

export type LogEntry = Pick<LogLine, "stream" | "line">;

interface SeqState {
  next: number;
  /** File size after our last append; another writer changed the file if it differs. */
  size: number;
  endsWithNewline: boolean;
}

const nextUlid = monotonicFactory();

export class FileBuildStore {
  private readonly buildsDir: string;
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly logChains = new Map<string, Promise<unknown>>();
  private readonly seqs = new Map<string, SeqState>();
  private readonly watchers = new Map<string, Set<(record: BuildRecord) => void>>();
  readonly hub: LogFollowHub;

  constructor(readonly dataDir: string) {
    this.buildsDir = path.join(dataDir, "builds");
    this.hub = new LogFollowHub({
      logFile: (id) => this.logPath(id),
      isFinished: async (id) => {
        const record = await this.get(id);
        return !record || isTerminalStatus(record.status);
      },
    });
  }

  /** "b_" + a monotonic ULID: ids sort by creation time, also within one millisecond. */
  newBuildId(): string {
    return `b_${nextUlid()}`;
  }

  buildDir(id: string): string {
    assertBuildId(id);
    return path.join(this.buildsDir, id);
  }

  logPath(id: string): string {
    return path.join(this.buildDir(id), "log.ndjson");
  }

  private recordPath(id: string): string {
    return path.join(this.buildDir(id), "record.json");
  }

  /** Writes a new record; CONFLICT if a build with this id exists (in any replica). */
  async create(record: BuildRecord): Promise<void> {
    const valid = buildRecordSchema.parse(record);
    await mkdir(this.buildDir(valid.id), { recursive: true });
    try {
      await createFileExclusive(this.recordPath(valid.id), serialize(valid));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") {
        throw new StoreError(
          "CONFLICT",
          `build ${JSON.stringify(valid.id)} already exists; ids are never reused`,
        );
      }
      throw err;
    }
  }

  /** The record, or undefined when there is no such build (or the id could not name one). */
  async get(id: string): Promise<BuildRecord | undefined> {
    if (!isValidBuildId(id)) return undefined;
    let text: string;
    try {
      text = await readFile(this.recordPath(id), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      return buildRecordSchema.parse(JSON.parse(text));
    } catch (err) {
      throw new StoreError("INTERNAL", `record of build ${id} is unreadable: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  /**
   * Read-modify-write with an atomic replace. `mutate` edits the record in place or
   * returns a new one. Calls for one id are serialized within this process; across
   * replicas the lease (jobs layer) decides who writes a running build.
   */
  update(id: string, mutate: (r: BuildRecord) => void | BuildRecord): Promise<BuildRecord> {
    return this.serialize(this.chains, id, async () => {
      const current = await this.get(id);
      if (!current) throw new StoreError("NOT_FOUND", `build ${JSON.stringify(id)} does not exist`);
      const next = buildRecordSchema.parse(mutate(current) ?? current);
      if (next.id !== id)
        throw new StoreError("INTERNAL", `update of ${id} tried to change its id to ${next.id}`);
      await replaceFileAtomic(this.recordPath(id), serialize(next));
      if (isTerminalStatus(next.status)) this.hub.poke(id);
      const watchers = this.watchers.get(id);
      if (watchers?.size) {
        // A copy: the caller gets `next` back and may go on changing it in memory.
        const copy = structuredClone(next);
        for (const listener of watchers) listener(copy);
      }
      return next;
    });
  }

  /**
   * Calls `listener` with the record after each update made through this store (this
   * process), so a live stream reports a phase the moment it changes; updates by other
   * replicas are only seen by re-reading the record. Returns the unsubscribe function.
   */
  watchRecord(id: string, listener: (record: BuildRecord) => void): () => void {
    let set = this.watchers.get(id);
    if (!set) this.watchers.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.watchers.get(id) === set) this.watchers.delete(id);
    };
  }

  /** Newest first. Ids are time-ordered, so paging needs only the directory listing. */
  async list(query: ListQuery): Promise<ListPage> {
    const ids = (await this.listIds()).filter((id) => query.cursor === undefined || id < query.cursor);
    const builds: BuildRecord[] = [];
    for (const id of ids) {
      if (builds.length === query.limit) return { builds, nextCursor: builds[builds.length - 1]!.id };
      const record = await this.get(id);
      if (!record) continue; // a create in progress or an aborted one: not a build yet
      if (query.target !== undefined && record.target !== query.target) continue;
      if (query.status !== undefined && record.status !== query.status) continue;
      if (query.match && !query.match(record)) continue;
      builds.push(record);
    }
    return { builds, nextCursor: null };
  }

  private async listIds(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.buildsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return names.filter(isValidBuildId).sort().reverse();
  }

  /** Appends lines with the next seqs (1, 2, 3… per build) in one write; returns them as stored. */
  appendLog(id: string, entries: readonly LogEntry[]): Promise<LogLine[]> {
    const file = this.logPath(id);
    return this.serialize(this.logChains, id, async () => {
      if (entries.length === 0) return [];
      const state = await this.seqState(id, file);
      const ts = new Date().toISOString();
      const lines = entries.map((e, i): LogLine => ({
        seq: state.next + i,
        ts,
        stream: e.stream,
        line: e.line,
      }));
      // A crash can leave a partial last line; start on a fresh line so ours stay parseable.
      const prefix = state.endsWithNewline ? "" : "\n";
      const text = prefix + lines.map((l) => JSON.stringify(l) + "\n").join("");
      const size = await appendText(file, text).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT")
          throw new StoreError("NOT_FOUND", `build ${JSON.stringify(id)} does not exist`);
        throw err;
      });
      this.seqs.set(id, { next: state.next + lines.length, size, endsWithNewline: true });
      this.hub.poke(id);
      return lines;
    });
  }

  // The cached next seq is trusted only while the file is exactly as we left it;
  // otherwise (restart, another process or replica appended) it is re-read from the tail.
  private async seqState(id: string, file: string): Promise<SeqState> {
    const cached = this.seqs.get(id);
    const tail = await resolveLogTail(file);
    if (cached && cached.size === tail.size) return cached;
    return { next: tail.lastSeq + 1, size: tail.size, endsWithNewline: tail.endsWithNewline };
  }

  async readLog(id: string, afterSeq = 0): Promise<LogLine[]> {
    const out: LogLine[] = [];
    for await (const line of this.iterateLog(id, afterSeq)) out.push(line);
    return out;
  }

  /** The lines after `afterSeq`, read from the file a page at a time (never the whole log in memory). */
  async *iterateLog(id: string, afterSeq = 0): AsyncGenerator<LogLine> {
    for await (const page of this.iterateLogPages(id, afterSeq)) yield* page;
  }

  /** The same, a page (64 KiB of file) at a time. */
  async *iterateLogPages(id: string, afterSeq = 0): AsyncGenerator<LogLine[]> {
    assertBuildId(id);
    const file = this.logPath(id);
    yield* iterateLogPages(file, afterSeq, await resolveSeqOffset(file, afterSeq));
  }

  /**
   * Every line after `afterSeq`, then the lines as they are written (by any process),
   * ending once the build is terminal and all its lines were yielded, or on abort.
   */
  followLog(id: string, options: FollowOptions = {}): AsyncIterable<LogLine> {
    assertBuildId(id);
    return followLog(this.hub, this.logPath(id), id, options, () => this.get(id));
  }

  /** followLog a page at a time (see follow-log.ts). */
  followLogPages(id: string, options: FollowOptions = {}): AsyncIterable<LogLine[]> {
    assertBuildId(id);
    return followLogPages(this.hub, this.logPath(id), id, options, () => this.get(id));
  }

  private serialize<T>(chains: Map<string, Promise<unknown>>, id: string, fn: () => Promise<T>): Promise<T> {
    const prev = chains.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    chains.set(id, settled);
    void settled.then(() => {
      if (chains.get(id) === settled) chains.delete(id);
    });
    return run;
  }
}

function serialize(record: BuildRecord): string {
  return JSON.stringify(record, null, 2) + "\n";
}
