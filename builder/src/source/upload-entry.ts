// Validation of the entries of an uploaded context tarball (SPEC §4: "no absolute
// paths, no `..`, no links that point outside the context, no device files").
// Pure: it looks at tar headers and the symlinks seen so far, never at the disk.
// The extractor only ever writes into directories it created itself, never through
// a symlink, so checking names and link targets here is enough to stay inside.
import path from "node:path";
import { hasControlCharacters } from "../../../common/values.js";
import { UploadError } from "./source-error.js";

export interface EntryLimits {
  maxEntries: number;
  maxPathLength: number;
  maxComponentLength: number;
}

export const DEFAULT_ENTRY_LIMITS: EntryLimits = {
  maxEntries: 200_000,
  maxPathLength: 4096,
  maxComponentLength: 255,
};

export interface TarHeaderLike {
  name: string;
  type: string | null;
  linkname?: string | null;
  mode?: number | null;
  size?: number | null;
}

export type EntryPlan =
  | { kind: "directory"; path: string; mode: number }
  | { kind: "file"; path: string; mode: number; size: number }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "hardlink"; path: string; target: string }
  | { kind: "skip" };

const quote = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** Normalises an entry name to a relative POSIX path, or throws naming it. */
export function parseEntryPath(name: string, limits: EntryLimits = DEFAULT_ENTRY_LIMITS): string {
  if (name.length > limits.maxPathLength) {
    throw new UploadError(`entry ${quote(name)} has a path longer than ${limits.maxPathLength} characters`);
  }
  if (hasControlCharacters(name))
    throw new UploadError(`entry ${quote(name)} has control characters in its path`);
  if (name.startsWith("/") || /^[A-Za-z]:[\\/]/.test(name)) {
    throw new UploadError(`entry ${quote(name)} has an absolute path; paths must be relative to the context`);
  }
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes(".."))
    throw new UploadError(`entry ${quote(name)} has a '..' segment; it would escape the context`);
  const long = parts.find((p) => Buffer.byteLength(p) > limits.maxComponentLength);
  if (long !== undefined) {
    throw new UploadError(`entry ${quote(name)} has a name longer than ${limits.maxComponentLength} bytes`);
  }
  return parts.join("/");
}

/**
 * A symlink target may climb with leading '..' segments as far as the context root,
 * then only descend. A '..' after a name is refused: lexically "a/../x" looks inside,
 * but if "a" is a symlink to "." the real path climbs one level more than it seems.
 */
export function checkSymlinkTarget(linkPath: string, target: string): void {
  const where = `symlink ${quote(linkPath)} -> ${quote(target)}`;
  if (target.length === 0 || hasControlCharacters(target))
    throw new UploadError(`${where} has an invalid target`);
  if (target.startsWith("/"))
    throw new UploadError(`${where} points to an absolute path outside the context`);
  const parts = target.split("/").filter((p) => p !== "" && p !== ".");
  const ups = parts.findIndex((p) => p !== "..");
  const leading = ups < 0 ? parts.length : ups;
  if (parts.slice(leading).includes("..")) {
    throw new UploadError(`${where} has '..' after a name; only leading '..' segments are allowed`);
  }
  const depth = linkPath.split("/").length - 1;
  if (leading > depth) throw new UploadError(`${where} points outside the context`);
}

/** What to do with one tar entry; throws an UploadError naming it if it is not allowed. */
export function planTarEntry(header: TarHeaderLike, limits: EntryLimits = DEFAULT_ENTRY_LIMITS): EntryPlan {
  // git archive writes a global pax header (the commit id); it describes no file.
  if (header.type === "pax-global-header") return { kind: "skip" };
  const entryPath = parseEntryPath(header.name, limits);
  const mode = header.mode ?? 0o644;
  switch (header.type) {
    case "directory":
      return entryPath === ""
        ? { kind: "skip" }
        : { kind: "directory", path: entryPath, mode: (mode & 0o777) | 0o700 };
    case "file":
    case "contiguous-file":
      if (entryPath === "") throw new UploadError(`entry ${quote(header.name)} is a file without a name`);
      return { kind: "file", path: entryPath, mode: (mode & 0o777) | 0o600, size: header.size ?? 0 };
    case "symlink": {
      const target = header.linkname ?? "";
      if (entryPath === "") throw new UploadError(`entry ${quote(header.name)} is a symlink without a name`);
      checkSymlinkTarget(entryPath, target);
      return { kind: "symlink", path: entryPath, target };
    }
    case "link": {
      const raw = header.linkname ?? "";
      if (raw.startsWith("/"))
        throw new UploadError(`hardlink ${quote(header.name)} -> ${quote(raw)} points outside the context`);
      const target = parseEntryPath(raw, limits);
      if (entryPath === "" || target === "")
        throw new UploadError(`hardlink ${quote(header.name)} -> ${quote(raw)} is invalid`);
      return { kind: "hardlink", path: entryPath, target };
    }
    case "character-device":
    case "block-device":
    case "fifo":
      throw new UploadError(
        `entry ${quote(header.name)} is a ${header.type}; a context may hold only files, directories and links`,
      );
    default:
      throw new UploadError(
        `entry ${quote(header.name)} has an unsupported type ${quote(String(header.type))}; a context may hold only files, directories and links`,
      );
  }
}

/**
 * Tracks the symlinks created so far, so that no later entry is written through one
 * (a file "l/x" after a symlink "l" would land wherever "l" points) or replaces one.
 */
export class SymlinkGuard {
  private readonly links = new Set<string>();

  add(linkPath: string): void {
    this.links.add(linkPath);
  }

  /** Throws if `entryPath` is a symlink already, or lies below one. */
  check(entryPath: string, what = "entry"): void {
    if (this.links.size === 0) return;
    let p = entryPath;
    for (;;) {
      if (this.links.has(p)) {
        throw new UploadError(
          p === entryPath
            ? `${what} ${quote(entryPath)} would replace a symlink`
            : `${what} ${quote(entryPath)} lies below the symlink ${quote(p)}; writing through links is not allowed`,
        );
      }
      const parent = path.posix.dirname(p);
      if (parent === "." || parent === p) return;
      p = parent;
    }
  }
}
