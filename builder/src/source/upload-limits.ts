// What BUILDER_MAX_UPLOAD_BYTES bounds (SPEC §4): the body as sent, the tar it inflates
// to, and what that unpacks to on disk, so a small body can never write more than the
// limit to the shared disk or cost more than the limit's worth of work. On disk an entry
// costs whole blocks and an inode whatever its size (100k one-byte files take ~400 MB),
// so the unpack is charged by footprint, not by file bytes, and the entry count follows
// from the limit.
import type { EntryPlan } from "./upload-entry.js";

/** The allocation unit charged for file data and directories (ext4's and most NFS servers' block). */
export const BLOCK_BYTES = 4096;
/** What every entry costs besides its data: an inode and a slot in its directory. */
export const ENTRY_BYTES = 512;
/** Entries at most whatever the limit: per-entry work (an open, a close) is the cost here. */
export const MAX_ENTRIES_CAP = 200_000;

/** One entry per 4 KiB of the limit, at most MAX_ENTRIES_CAP: 200,000 at the 2 GiB default. */
export function maxEntriesFor(maxBytes: number): number {
  return Math.max(1, Math.min(MAX_ENTRIES_CAP, Math.floor(maxBytes / BLOCK_BYTES)));
}

/** Bytes of disk a planned entry is charged (directories are charged as they are created). */
export function entryFootprint(plan: EntryPlan): number {
  switch (plan.kind) {
    case "file":
      return ENTRY_BYTES + Math.ceil(plan.size / BLOCK_BYTES) * BLOCK_BYTES;
    case "symlink":
    case "hardlink":
      return ENTRY_BYTES;
    case "directory":
    case "skip":
      return 0;
  }
}

/** What a directory the unpack creates is charged: its first block and its own entry. */
export const DIRECTORY_BYTES = BLOCK_BYTES + ENTRY_BYTES;
