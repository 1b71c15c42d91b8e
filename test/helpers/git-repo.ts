// A real git repository made by a test: two commits on main, an annotated tag on the
// first, a branch with a third commit. Served over file:// or git-http-server.ts.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runChecked } from "../../builder/src/process/spawn.js";

export interface GitRepo {
  /** Work tree (non-bare). */
  dir: string;
  /** A bare clone, what the servers serve. */
  bare: string;
  fileUrl: string;
  commits: { first: string; second: string; feature: string };
  cleanup(): Promise<void>;
}

const ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: os.tmpdir(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
  LC_ALL: "C",
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await runChecked(["git", ...args], { cwd, env: ENV });
  return result.stdout.join("\n").trim();
}

async function commit(dir: string, file: string, text: string, message: string): Promise<string> {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), text);
  await git(dir, "add", "--", file);
  await git(dir, "commit", "--quiet", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

export async function makeGitRepo(): Promise<GitRepo> {
  const root = await mkdtemp(path.join(os.tmpdir(), "git-repo-"));
  const dir = path.join(root, "work");
  const bare = path.join(root, "repo.git");
  await mkdir(dir);
  await git(dir, "init", "--quiet", "--initial-branch=main");
  const first = await commit(dir, "app/Dockerfile", "FROM scratch\n", "first");
  await git(dir, "tag", "-a", "v1.0", "-m", "release 1.0");
  const second = await commit(dir, "README.md", "second\n", "second");
  await git(dir, "checkout", "--quiet", "-b", "feature");
  const feature = await commit(dir, "feature.txt", "feature\n", "feature");
  await git(dir, "checkout", "--quiet", "main");
  await git(root, "clone", "--quiet", "--bare", "--", dir, bare);
  return {
    dir,
    bare,
    fileUrl: `file://${bare}`,
    commits: { first, second, feature },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
