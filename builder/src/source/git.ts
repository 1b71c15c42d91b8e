// Git sources (SPEC §3 "source"): a shallow fetch of one ref into a fresh directory,
// resolved to a full commit SHA. A token reaches git only through GIT_ASKPASS and a
// child-only env var (git-env.ts), never argv or a URL, and is redacted from output.
import { mkdir, readdir } from "node:fs/promises";
import { run, type OutputStream, type RunResult } from "../process/spawn.js";
import {
  buildFetchArgv,
  buildLsRemoteArgv,
  describeGitFailure,
  displayUrl,
  isFullSha,
  parseGitRef,
  parseGitUrl,
  parseLsRemote,
} from "./git-argv.js";
import { GIT_SAFE_CONFIG, openGitSession, type GitEnvOptions, type GitSession } from "./git-env.js";
import { SourceError } from "./source-error.js";

export interface GitCommonOptions {
  url: string;
  ref: string;
  token?: string;
  /** The git binary (default "git", looked up on `env.path`). */
  git?: string;
  signal?: AbortSignal;
  /** Output lines of git, with the token redacted. */
  onLine?: (stream: OutputStream, line: string) => void;
  /** Called with each argv before it runs (for logs; never holds a secret). */
  onCommand?: (argv: readonly string[]) => void;
  env?: Omit<GitEnvOptions, "token">;
}

export interface FetchGitOptions extends GitCommonOptions {
  /** An empty or missing directory that receives the checkout. */
  dest: string;
}

/** Shallow-fetches `ref` (branch, tag or full SHA) into `dest` and checks it out. */
export async function fetchGitSource(options: FetchGitOptions): Promise<{ commit: string }> {
  const { url, ref } = validate(options);
  await prepareDest(options.dest);
  const git = options.git ?? "git";
  return withSession(options, async (exec) => {
    await exec([git, ...GIT_SAFE_CONFIG, "init", "--quiet"], "init");
    await exec(buildFetchArgv(git, url, ref), "fetch");
    const parsed = await exec([git, "rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}"], "rev-parse");
    const commit = parsed.stdout[0]?.trim() ?? "";
    if (!isFullSha(commit))
      throw new SourceError("SOURCE_FAILED", `git rev-parse gave ${JSON.stringify(commit)}`);
    await exec([git, ...GIT_SAFE_CONFIG, "checkout", "--quiet", "--detach", commit], "checkout");
    return { commit };
  });
}

/** The full commit SHA `ref` names in the remote; a full SHA resolves to itself. */
export async function resolveRemoteRef(options: GitCommonOptions): Promise<string> {
  const { url, ref } = validate(options);
  if (isFullSha(ref)) return ref.toLowerCase();
  return withSession(options, async (exec) => {
    const result = await exec(buildLsRemoteArgv(options.git ?? "git", url, ref), "ls-remote", {
      keepLines: 10_000,
    });
    const sha = parseLsRemote(result.stdout.join("\n"), ref);
    if (!sha) throw new SourceError("SOURCE_FAILED", `ref ${ref} not found in ${displayUrl(url)}`);
    return sha;
  });
}

function validate(options: GitCommonOptions): { url: string; ref: string } {
  return { ref: parseGitRef(options.ref), url: parseGitUrl(options.url) };
}

async function prepareDest(dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  if ((await readdir(dest)).length > 0) {
    throw new SourceError("SOURCE_FAILED", `checkout directory ${dest} is not empty`);
  }
}

type Exec = (argv: string[], step: string, extra?: { keepLines?: number }) => Promise<RunResult>;

async function withSession<T>(options: FetchGitOptions | GitCommonOptions, body: (exec: Exec) => Promise<T>) {
  const session: GitSession = await openGitSession({ ...options.env, token: options.token });
  const cwd = "dest" in options ? options.dest : undefined;
  const exec: Exec = async (argv, step, extra) => {
    options.onCommand?.(argv);
    const result = await run(argv, {
      env: session.env,
      ...(cwd ? { cwd } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onLine ? { onLine: options.onLine } : {}),
      secrets: options.token ? [options.token] : [],
      ...(extra?.keepLines ? { keepLines: extra.keepLines } : {}),
    });
    if (result.aborted) throw new SourceError("CANCELLED", `git ${step} was cancelled`);
    if (result.exitCode !== 0) {
      throw new SourceError("SOURCE_FAILED", describeGitFailure(result.stderr, options.url, options.ref));
    }
    return result;
  };
  try {
    return await body(exec);
  } finally {
    await session.dispose();
  }
}
