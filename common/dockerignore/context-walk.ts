// Walks a build context and yields what BuildKit's client sends for it (tonistiigi/fsutil's
// filtered walk, which buildx uses to send a context): entries in name order, symlinks not
// followed; an excluded directory is skipped whole when no exception could reach into it,
// otherwise walked with its match results handed down; a directory is sent when it is
// included, or — excluded — just before the first entry inside it that is. A socket is sent
// as an empty file (what BuildKit puts in the image); a FIFO or device that is not excluded
// stops the walk (UnsendableEntryError), since an upload cannot carry it.
import type { Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { UnsendableEntryError } from "./dockerignore-error.js";
import type { ParentMatches, PatternMatcher } from "./pattern-matcher.js";

export type ContextEntryKind = "directory" | "file" | "symlink" | "socket" | "other";

export interface ContextEntry {
  /** Relative to the context, '/'-separated, no trailing slash. */
  path: string;
  kind: ContextEntryKind;
  stats: Stats;
}

export interface WalkOptions {
  /**
   * Top-level files sent even when excluded, because the receiving builder needs them to
   * build and to apply the same rules again (the Dockerfile, the ignore file).
   */
  alwaysSent?: ReadonlySet<string>;
}

interface DirFrame {
  entry: ContextEntry;
  matches: ParentMatches;
  sent: boolean;
}

function kindOf(stats: Stats): ContextEntryKind {
  if (stats.isDirectory()) return "directory";
  if (stats.isSymbolicLink()) return "symlink";
  if (stats.isFile()) return "file";
  if (stats.isSocket()) return "socket";
  return "other";
}

export async function* walkContext(
  root: string,
  matcher: PatternMatcher,
  options: WalkOptions = {},
): AsyncGenerator<ContextEntry> {
  yield* walkDir(root, "", [], matcher, options.alwaysSent ?? new Set());
}

async function* walkDir(
  root: string,
  rel: string,
  parents: DirFrame[],
  matcher: PatternMatcher,
  alwaysSent: ReadonlySet<string>,
): AsyncGenerator<ContextEntry> {
  const names = (await readNames(path.join(root, rel), parents.at(-1)?.sent ?? true)).sort();
  for (const name of names) {
    const entryPath = rel ? `${rel}/${name}` : name;
    const stats = await lstat(path.join(root, entryPath));
    const entry: ContextEntry = { path: entryPath, kind: kindOf(stats), stats };
    const result = matcher.matchWithParents(entryPath, parents.at(-1)?.matches);
    const excluded = result.excluded && !(entry.kind !== "directory" && alwaysSent.has(entryPath));
    if (!excluded) {
      if (entry.kind === "other") {
        throw new UnsendableEntryError(entryPath, stats.isFIFO() ? "FIFO" : "device");
      }
      for (const parent of parents) {
        if (parent.sent) continue;
        parent.sent = true;
        yield parent.entry;
      }
      yield entry;
    }
    if (entry.kind !== "directory") continue;
    if (excluded && matcher.canSkipExcludedDir(entryPath)) continue;
    const frame: DirFrame = { entry, matches: result.matches, sent: !excluded };
    yield* walkDir(root, entryPath, [...parents, frame], matcher, alwaysSent);
  }
}

/** Entry names of a directory; an excluded one that cannot be read counts as empty, as in fsutil. */
async function readNames(dir: string, included: boolean): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (!included && (err as NodeJS.ErrnoException).code === "EACCES") return [];
    throw err;
  }
}
