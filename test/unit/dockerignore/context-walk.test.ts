// The walk on real directories. The expected lists are BuildKit's own answers for these trees
// (from the differential test, test/integration/trigger/dockerignore-buildkit.test.ts), kept
// here so a change to the walk fails fast without the stack.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { walkContext } from "../../../common/dockerignore/context-walk.js";
import { buildContextFilter } from "../../../common/dockerignore/context-filter.js";
import { UnsendableEntryError } from "../../../common/dockerignore/dockerignore-error.js";
import { writeTree } from "../../helpers/dockerignore-trees.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "context-walk-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function walk(ignore: string, paths: string[]): Promise<string[]> {
  await writeTree(dir, { name: "", ignore, paths });
  const filter = buildContextFilter(ignore);
  const out: string[] = [];
  for await (const e of walkContext(dir, filter.matcher)) out.push(`${e.kind[0]} ${e.path}`);
  return out;
}

describe("walkContext", () => {
  it.each([
    [
      "dir\n!dir/keep\n",
      ["dir/keep", "dir/drop", "dir/sub/x", "top"],
      ["f .dockerignore", "d dir", "f dir/keep", "f top"],
    ],
    ["a/b\n!a\n", ["a/b", "a/c", "b"], ["f .dockerignore", "d a", "f a/c", "f b"]],
    [
      "*\n!**/keep.txt\n",
      ["a/b/keep.txt", "a/drop", "keep.txt", "c/d/", "e/keep.txt/inner"],
      ["d a", "d a/b", "f a/b/keep.txt", "d e", "d e/keep.txt", "f e/keep.txt/inner", "f keep.txt"],
    ],
    ["a\n!a/*\n", ["a/x", "a/y/z", "b"], ["f .dockerignore", "d a", "f a/x", "d a/y", "f a/y/z", "f b"]],
  ])(
    "%j: an excluded directory is sent just before what it holds that is sent",
    async (ignore, paths, sent) => {
      expect(await walk(ignore, paths)).toEqual(sent);
    },
  );

  it("sends the always-sent files the ignore file excludes, and nothing else it excludes", async () => {
    await writeTree(dir, { name: "", ignore: "*\n", paths: ["Dockerfile", "x"] });
    const filter = buildContextFilter("*\n");
    const out: string[] = [];
    for await (const e of walkContext(dir, filter.matcher, { alwaysSent: filter.alwaysSent }))
      out.push(e.path);
    expect(out).toEqual([".dockerignore", "Dockerfile"]);
  });

  it("yields a socket (sent as an empty file, as BuildKit does) and refuses a FIFO it would send", async () => {
    expect(await walk("", ["s (socket)", "a"])).toEqual(["f .dockerignore", "f a", "s s"]);
    await rm(dir, { recursive: true, force: true });
    await expect(walk("", ["pipe (fifo)"])).rejects.toThrow(UnsendableEntryError);
    await rm(dir, { recursive: true, force: true });
    expect(await walk("pipe\n", ["pipe (fifo)"])).toEqual(["f .dockerignore"]);
  });
});
