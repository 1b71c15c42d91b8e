import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveContextPaths } from "../../../builder/src/source/context-paths.js";
import { resolvePathSource } from "../../../builder/src/source/path.js";
import { makeGitRepo, type GitRepo } from "../../helpers/git-repo.js";

let repo: GitRepo;
let plain: string;

beforeAll(async () => {
  repo = await makeGitRepo();
  plain = await realpath(await mkdtemp(path.join(os.tmpdir(), "plain-")));
  await mkdir(path.join(plain, "ctx/sub"), { recursive: true });
  await writeFile(path.join(plain, "ctx/Dockerfile"), "FROM scratch\n");
  await mkdir(path.join(plain, "outside-target"));
  await writeFile(path.join(plain, "outside-target/Dockerfile"), "FROM scratch\n");
  // The "source root" below is plain/ctx; these links point out of it.
  await symlink("../outside-target", path.join(plain, "ctx/escape"));
  await symlink("../outside-target/Dockerfile", path.join(plain, "ctx/Dockerfile.out"));
  await symlink("sub", path.join(plain, "ctx/inner"));
});
afterAll(async () => {
  await repo?.cleanup();
  await rm(plain, { recursive: true, force: true });
});

describe("resolvePathSource", () => {
  it("resolves relative to the config dir and records HEAD of the work tree it is in", async () => {
    const res = await resolvePathSource({ path: "app", configDir: repo.dir });
    expect(res).toEqual({ root: await realpath(path.join(repo.dir, "app")), commit: repo.commits.second });
  });
  it("has no commit outside a git work tree", async () => {
    expect(await resolvePathSource({ path: plain, configDir: "/" })).toEqual({ root: plain, commit: null });
  });
  it("fails clearly for a missing directory or a file", async () => {
    await expect(resolvePathSource({ path: "nope", configDir: plain })).rejects.toThrow(
      `path source "nope" (${plain}/nope) does not exist`,
    );
    await expect(resolvePathSource({ path: "ctx/Dockerfile", configDir: plain })).rejects.toThrow(
      /is not a directory/,
    );
  });
});

describe("resolveContextPaths", () => {
  const root = () => path.join(plain, "ctx");
  it("returns real paths inside the root, following inner symlinks", async () => {
    expect(await resolveContextPaths(root(), { context: "inner", dockerfile: "Dockerfile" })).toEqual({
      root: root(),
      context: path.join(root(), "sub"),
      dockerfile: path.join(root(), "Dockerfile"),
    });
  });
  it.each([
    [{ context: "escape", dockerfile: "Dockerfile" }, 'context "escape" escapes the source root'],
    [{ context: ".", dockerfile: "Dockerfile.out" }, 'dockerfile "Dockerfile.out" escapes the source root'],
    [{ context: "../x", dockerfile: "Dockerfile" }, 'context "../x" escapes the source root'],
    [{ context: ".", dockerfile: "missing" }, 'dockerfile "missing" does not exist in the source'],
    [
      { context: "Dockerfile", dockerfile: "Dockerfile" },
      'context "Dockerfile" is not a directory in the source',
    ],
    [{ context: ".", dockerfile: "sub" }, 'dockerfile "sub" is not a file in the source'],
  ])("%j -> %s", async (paths, message) => {
    await expect(resolveContextPaths(root(), paths)).rejects.toThrow(message);
  });
});
