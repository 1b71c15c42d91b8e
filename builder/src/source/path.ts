// Path sources (SPEC §2 "sources": a directory on the builder's own disk). Relative
// paths resolve against the config file's directory. The recorded commit is HEAD of
// the git work tree the directory is in, or null when it is in none.
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { run } from "../process/spawn.js";
import { isFullSha } from "./git-argv.js";
import { buildGitEnv, GIT_SAFE_CONFIG } from "./git-env.js";
import { SourceError } from "./source-error.js";
import { errorMessage } from "../../../common/errors.js";

export interface PathSourceOptions {
  /** The `path` of the source as configured (absolute, or relative to configDir). */
  path: string;
  configDir: string;
  git?: string;
  /** PATH for git. */
  envPath?: string;
  signal?: AbortSignal;
}

export interface ResolvedPathSource {
  /** Real absolute path of the directory. */
  root: string;
  commit: string | null;
}

export async function resolvePathSource(options: PathSourceOptions): Promise<ResolvedPathSource> {
  const wanted = path.resolve(options.configDir, options.path);
  let root: string;
  try {
    root = await realpath(wanted);
  } catch (err) {
    throw new SourceError(
      "SOURCE_FAILED",
      `path source ${JSON.stringify(options.path)} (${wanted}) does not exist`,
      {
        cause: err,
      },
    );
  }
  if (!(await stat(root)).isDirectory()) {
    throw new SourceError(
      "SOURCE_FAILED",
      `path source ${JSON.stringify(options.path)} (${root}) is not a directory`,
    );
  }
  return { root, commit: await resolveWorkTreeCommit(root, options) };
}

/** HEAD of the work tree containing `dir`, or null (not a work tree, no commit yet, or no git). */
export async function resolveWorkTreeCommit(
  dir: string,
  options: Pick<PathSourceOptions, "git" | "envPath" | "signal"> = {},
): Promise<string | null> {
  // safe.directory: the builder may run as a different user than the owner of a
  // mounted checkout; rev-parse only reads, so git's ownership guard does not apply.
  const argv = [
    options.git ?? "git",
    ...GIT_SAFE_CONFIG,
    "-c",
    "safe.directory=*",
    "rev-parse",
    "--verify",
    "--quiet",
    "HEAD^{commit}",
  ];
  try {
    const result = await run(argv, {
      cwd: dir,
      // A throwaway HOME is not needed: rev-parse reads no credentials; /nonexistent keeps user config out.
      env: buildGitEnv("/nonexistent", options.envPath ? { path: options.envPath } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const sha = result.stdout[0]?.trim() ?? "";
    return result.exitCode === 0 && isFullSha(sha) ? sha : null;
  } catch (err) {
    // git is not installed: a path source still builds, it just has no commit to record.
    if (/could not start/.test(errorMessage(err))) return null;
    throw err;
  }
}
