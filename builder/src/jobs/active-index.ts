// The index of builds that still need the job layer (queued, running, or interrupted
// with attempts left): one small file per build under jobs/active/. Replicas poll this
// directory instead of reading every record ever written, so a poll costs O(active).
// A marker whose build has ended is removed by whoever notices (idempotent cleanup).
import { readdir } from "node:fs/promises";
import path from "node:path";
import { removeFile, resolveJson, writeJsonAtomic } from "./atomic-files.js";

export interface ActiveMarker {
  id: string;
  /** When the current attempt entered the queue; BUILDER_QUEUE_TTL counts from here. */
  queuedAt: string;
  attempt: number;
  /** The dedup pointer this build holds, removed with the marker. */
  dedupKey?: string;
}

export class ActiveIndex {
  private readonly dir: string;

  constructor(jobsRoot: string) {
    this.dir = path.join(jobsRoot, "active");
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  mark(marker: ActiveMarker): Promise<void> {
    return writeJsonAtomic(this.file(marker.id), marker);
  }

  resolve(id: string): Promise<ActiveMarker | undefined> {
    return resolveJson<ActiveMarker>(this.file(id));
  }

  clear(id: string): Promise<void> {
    return removeFile(this.file(id));
  }

  /** Active build ids, oldest first (ids are time-ordered ULIDs). */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith(".json") && !n.startsWith("."))
      .map((n) => n.slice(0, -".json".length))
      .sort();
  }
}
