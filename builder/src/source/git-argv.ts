// Pure pieces of the git source: argv builders, ls-remote parsing, and turning git's
// stderr into a sentence a user can act on. Every argv puts "--" before the URL so
// neither it nor the ref can be read as an option (they are validated before, too).
import { gitRefSchema } from "../../../common/values.js";
import { GIT_SAFE_CONFIG } from "./git-env.js";
import { SourceError } from "./source-error.js";

const FULL_SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/i;
const GIT_URL = /^(https?|file|ssh|git):\/\/[^\s]+$/;

export function isFullSha(ref: string): boolean {
  return FULL_SHA.test(ref);
}

/** Throws INVALID_REQUEST unless `ref` is a safe ref name or SHA. */
export function parseGitRef(ref: string): string {
  const parsed = gitRefSchema.safeParse(ref);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => i.message).join("; ");
    throw new SourceError("INVALID_REQUEST", `ref ${JSON.stringify(ref)} is not valid: ${why}`);
  }
  return ref;
}

/** Throws INVALID_REQUEST unless `url` is an https://, http://, ssh://, git:// or file:// URL. */
export function parseGitUrl(url: string): string {
  if (!GIT_URL.test(url)) {
    throw new SourceError(
      "INVALID_REQUEST",
      `git URL ${JSON.stringify(displayUrl(url))} is not valid; use an https://, ssh://, git:// or file:// URL`,
    );
  }
  return url;
}

/** The URL as it may appear in messages: any user info dropped. */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^/@]*@/i, "$1");
}

export function buildFetchArgv(git: string, url: string, ref: string): string[] {
  return [git, ...GIT_SAFE_CONFIG, "fetch", "--quiet", "--depth", "1", "--no-tags", "--", url, ref];
}

export function buildLsRemoteArgv(git: string, url: string, ref: string): string[] {
  return [git, ...GIT_SAFE_CONFIG, "ls-remote", "--", url, ref, `refs/tags/${ref}^{}`];
}

/**
 * Picks the commit for `ref` from `git ls-remote` output: a branch first, then a
 * tag (peeled, so an annotated tag gives its commit), then an exact full ref name.
 */
export function parseLsRemote(output: string, ref: string): string | undefined {
  const refs = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [sha, name] = line.trim().split("\t");
    if (sha && name && FULL_SHA.test(sha)) refs.set(name, sha.toLowerCase());
  }
  return (
    refs.get(`refs/heads/${ref}`) ??
    refs.get(`refs/tags/${ref}^{}`) ??
    refs.get(`refs/tags/${ref}`) ??
    refs.get(ref)
  );
}

const AUTH_FAILURE =
  /Authentication failed|could not read (Username|Password)|terminal prompts disabled|HTTP Basic: Access denied|returned error: 40[13]/i;
const REF_MISSING =
  /couldn't find remote ref|not our ref|no such remote ref|unadvertised object|invalid refspec/i;
const REPO_MISSING =
  /repository .* not found|does not appear to be a git repository|Repository not found|returned error: 404/i;

/** A sentence for a failed fetch or ls-remote, from git's (already redacted) stderr. */
export function describeGitFailure(stderr: readonly string[], url: string, ref: string): string {
  const text = stderr.join("\n");
  const where = displayUrl(url);
  if (AUTH_FAILURE.test(text))
    return `authentication failed for ${where}; check the token (tokenEnv) and its access`;
  if (REF_MISSING.test(text)) return `ref ${ref} not found in ${where}`;
  if (REPO_MISSING.test(text)) return `repository ${where} not found or not accessible`;
  const last = stderr
    .filter((l) => l.trim())
    .slice(-3)
    .join(" / ");
  return `git could not fetch ${ref} from ${where}${last ? `: ${last}` : ""}`;
}
