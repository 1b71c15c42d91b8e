// A GitHub `push` payload read into what the builder acts on, validated before anything
// is stored: the ref (the same rules as a ref sent to the API, so nothing a payload
// carries can become an option of git or break a log line), the commit, the repository
// and whether the changed paths are known. Field meanings follow GitHub's push event
// schema (octokit/webhooks payload-schemas/api.github.com/push/event.schema.json).
import { gitRefSchema, hasControlCharacters } from "../../../common/values.js";
import { changedPaths, type PushRepository } from "./repo-match.js";
import { ServiceError } from "./service-error.js";

export interface PushEvent {
  /** The full ref, e.g. refs/heads/main or refs/tags/v1.2.0. */
  ref: string;
  kind: "branch" | "tag";
  /** The branch or tag name: what {ref} renders from and what the record's source.ref holds. */
  name: string;
  deleted: boolean;
  /** The commit to build: `after`, or for an annotated tag the commit head_commit names. */
  commit: string;
  repository: PushRepository;
  /** owner/name when the payload says, for the record's trigger. */
  repositoryName: string;
  /** The paths the push changed, or undefined when the payload cannot tell (then `unknownWhy`). */
  paths: string[] | undefined;
  unknownWhy?: string;
}

const SHA = /^[0-9a-f]{40}$/;
const ZERO_SHA = /^0{40}$/;
const FULL_NAME = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
/** GitHub's push schema: "The array includes a maximum of 2048 commits." */
const MAX_LISTED_COMMITS = 2048;
/**
 * Per-commit added/modified/removed lists are capped by GitHub (3000 or 5000 paths per list
 * depending on which of its docs one reads); a list this long may be cut, so the paths are
 * treated as unknown. The lower figure errs towards building.
 */
const MAX_LISTED_PATHS = 3000;

function bad(field: string, what: string, value?: unknown): ServiceError {
  const got = value === undefined ? "" : ` (got ${JSON.stringify(value)?.slice(0, 120)})`;
  return new ServiceError("INVALID_REQUEST", `push payload field ${field} ${what}${got}`, {
    issues: [{ path: field, message: what }],
  });
}

/** refs/heads/<name> or refs/tags/<name>, both the full ref and the name valid as API refs are. */
export function parsePushRef(ref: unknown): { ref: string; kind: "branch" | "tag"; name: string } {
  if (typeof ref !== "string" || ref === "") throw bad("ref", 'must be a ref such as "refs/heads/main"', ref);
  const m = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
  if (!m) throw bad("ref", "must be refs/heads/<branch> or refs/tags/<tag>", ref);
  for (const value of [ref, m[2]!]) {
    const parsed = gitRefSchema.safeParse(value);
    if (!parsed.success) throw bad("ref", `is not a valid ref: ${parsed.error.issues[0]!.message}`, ref);
  }
  return { ref, kind: m[1] === "tags" ? "tag" : "branch", name: m[2]! };
}

function parseRepository(value: unknown): { repository: PushRepository; name: string } {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw bad("repository", "must be an object with full_name and clone_url");
  const repo = value as Record<string, unknown>;
  const out: PushRepository = {};
  for (const key of ["full_name", "clone_url", "html_url", "ssh_url", "git_url"] as const) {
    const v = repo[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string" || v.length > 2048 || hasControlCharacters(v))
      throw bad(`repository.${key}`, "must be a string without control characters", v);
    out[key] = v;
  }
  if (out.full_name !== undefined && !FULL_NAME.test(out.full_name))
    throw bad("repository.full_name", "must be owner/name", out.full_name);
  if (!out.full_name && !out.clone_url && !out.html_url && !out.ssh_url && !out.git_url)
    throw bad("repository", "must name the repository (full_name, clone_url, html_url or ssh_url)");
  return { repository: out, name: out.full_name ?? out.clone_url ?? out.html_url ?? out.ssh_url ?? "" };
}

/** Why the changed paths of this push are unknown, or undefined when commits[] lists them. */
function unknownPathsReason(p: Record<string, unknown>, kind: "branch" | "tag"): string | undefined {
  if (kind === "tag") return "a tag push lists no changed paths";
  if (p.forced === true) return "a forced push's commit list does not describe what changed";
  if (!("commits" in p)) return "the payload has no commits list";
  const commits = p.commits;
  if (!Array.isArray(commits)) return "the payload's commits is not a list";
  if (commits.length === 0)
    return p.created === true
      ? "the branch was created at an existing commit"
      : "the push lists no commits (for example a push back to an older commit)";
  if (commits.length >= MAX_LISTED_COMMITS)
    return `the push lists ${commits.length} commits, so it may be cut`;
  for (const c of commits as Record<string, unknown>[]) {
    for (const key of ["added", "modified", "removed"]) {
      const list = c?.[key];
      if (Array.isArray(list) && list.length >= MAX_LISTED_PATHS)
        return `a commit lists ${list.length} ${key} paths, so the list may be cut`;
    }
  }
  return undefined;
}

/** Throws INVALID_REQUEST (nothing stored yet) for a payload the builder must not act on. */
export function parsePushEvent(payload: unknown): PushEvent {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload))
    throw bad("(root)", "must be a JSON object");
  const p = payload as Record<string, unknown>;
  const { ref, kind, name } = parsePushRef(p.ref);
  if (typeof p.after !== "string" || !SHA.test(p.after))
    throw bad("after", "must be a 40-character lower-case commit SHA", p.after);
  const { repository, name: repositoryName } = parseRepository(p.repository);
  const deleted = p.deleted === true || ZERO_SHA.test(p.after);
  // For an annotated tag `after` is the tag object; head_commit is the commit it points to.
  const head = (p.head_commit as Record<string, unknown> | null | undefined)?.id;
  const commit = kind === "tag" && typeof head === "string" && SHA.test(head) ? head : p.after;
  const unknownWhy = deleted ? undefined : unknownPathsReason(p, kind);
  const event: PushEvent = {
    ref,
    kind,
    name,
    deleted,
    commit,
    repository,
    repositoryName,
    paths: unknownWhy === undefined ? changedPaths(p.commits) : undefined,
  };
  if (unknownWhy !== undefined) event.unknownWhy = unknownWhy;
  return event;
}
