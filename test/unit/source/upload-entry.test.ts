import { describe, expect, it } from "vitest";
import {
  checkSymlinkTarget,
  parseEntryPath,
  planTarEntry,
  SymlinkGuard,
} from "../../../builder/src/source/upload-entry.js";

describe("parseEntryPath", () => {
  it.each([
    ["a/b.txt", "a/b.txt"],
    ["./a/./b", "a/b"],
    ["a//b/", "a/b"],
    ["./", ""],
  ])("%j -> %j", (name, out) => {
    expect(parseEntryPath(name)).toBe(out);
  });
  it.each([
    ["/etc/passwd", /absolute path/],
    ["C:/x", /absolute path/],
    ["../x", /'\.\.' segment/],
    ["a/../../x", /'\.\.' segment/],
    ["a/..", /'\.\.' segment/],
    ["a\nb", /control characters/],
    ["x".repeat(5000), /longer than 4096/],
    [`${"n".repeat(256)}/f`, /longer than 255 bytes/],
  ])("rejects %j", (name, message) => {
    expect(() => parseEntryPath(name)).toThrow(message);
  });
});

describe("checkSymlinkTarget", () => {
  it.each([
    ["a/l", "../b"],
    ["a/b/l", "../../c/d"],
    ["l", "x/y"],
    ["l", "./x"],
    ["a/l", ".."],
  ])("allows %s -> %s", (link, target) => {
    expect(() => checkSymlinkTarget(link, target)).not.toThrow();
  });
  it.each([
    ["l", "../x", /points outside/],
    ["a/l", "../../x", /points outside/],
    ["l", "/etc", /absolute path/],
    ["l", "a/../x", /'\.\.' after a name/],
    ["l", "", /invalid target/],
  ])("rejects %s -> %s", (link, target, message) => {
    expect(() => checkSymlinkTarget(link, target)).toThrow(message);
  });
});

describe("planTarEntry", () => {
  it.each([
    [
      { name: "d/", type: "directory", mode: 0o700 },
      { kind: "directory", path: "d", mode: 0o700 },
    ],
    [
      { name: "f", type: "file", mode: 0o4755, size: 3 },
      { kind: "file", path: "f", mode: 0o755, size: 3 },
    ],
    [
      { name: "f", type: "contiguous-file", mode: 0o400, size: 0 },
      { kind: "file", path: "f", mode: 0o600, size: 0 },
    ],
    [
      { name: "l", type: "symlink", linkname: "f" },
      { kind: "symlink", path: "l", target: "f" },
    ],
    [
      { name: "h", type: "link", linkname: "./f" },
      { kind: "hardlink", path: "h", target: "f" },
    ],
    [{ name: "pax_global_header", type: "pax-global-header" }, { kind: "skip" }],
    [{ name: "./", type: "directory" }, { kind: "skip" }],
  ] as const)("%j", (header, plan) => {
    expect(planTarEntry(header)).toEqual(plan);
  });
  it.each([
    [{ name: "c", type: "character-device" }, /entry "c" is a character-device/],
    [{ name: "b", type: "block-device" }, /entry "b" is a block-device/],
    [{ name: "p", type: "fifo" }, /entry "p" is a fifo/],
    [{ name: "u", type: null }, /unsupported type "null"/],
    [{ name: "h", type: "link", linkname: "/etc/shadow" }, /points outside the context/],
    [{ name: "h", type: "link", linkname: "../x" }, /'\.\.' segment/],
    [{ name: "l", type: "symlink", linkname: "../../x" }, /points outside/],
    [{ name: "/abs", type: "file" }, /absolute path/],
  ] as const)("rejects %j", (header, message) => {
    expect(() => planTarEntry(header)).toThrow(message);
  });
});

describe("SymlinkGuard", () => {
  it("refuses paths at or below a known symlink only", () => {
    const g = new SymlinkGuard();
    g.add("a/l");
    expect(() => g.check("a/l")).toThrow(/would replace a symlink/);
    expect(() => g.check("a/l/x/y")).toThrow(/lies below the symlink "a\/l"/);
    expect(() => g.check("a/lx")).not.toThrow();
    expect(() => g.check("a")).not.toThrow();
  });
});
