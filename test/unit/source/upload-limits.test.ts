import { describe, expect, it } from "vitest";
import { entryFootprint, maxEntriesFor } from "../../../builder/src/source/upload-limits.js";

describe("upload limits", () => {
  it.each([
    [2 * 1024 ** 3, 200_000],
    [50_000_000, 12_207],
    [1 << 20, 256],
    [100, 1],
  ])("BUILDER_MAX_UPLOAD_BYTES=%i allows %i entries", (max, entries) => {
    expect(maxEntriesFor(max)).toBe(entries);
  });

  it.each([
    [{ kind: "file", path: "a", mode: 0o644, size: 0 }, 512],
    [{ kind: "file", path: "a", mode: 0o644, size: 1 }, 512 + 4096],
    [{ kind: "file", path: "a", mode: 0o644, size: 4096 }, 512 + 4096],
    [{ kind: "file", path: "a", mode: 0o644, size: 4097 }, 512 + 8192],
    [{ kind: "symlink", path: "l", target: "a" }, 512],
    [{ kind: "hardlink", path: "h", target: "a" }, 512],
    [{ kind: "directory", path: "d", mode: 0o755 }, 0],
    [{ kind: "skip" }, 0],
  ] as const)("%j costs %i bytes", (plan, bytes) => {
    expect(entryFootprint(plan)).toBe(bytes);
  });
});
