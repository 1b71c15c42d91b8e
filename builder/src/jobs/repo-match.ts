// Decides whether a configured git source is the repository a GitHub push came from.
// The same repository is spelled many ways (https clone URL, html URL, ssh URL,
// scp-like git@host:owner/name, with or without .git, any letter case since GitHub
// names are case-insensitive), so both sides are normalized to "host/owner/name".
import picomatch from "picomatch";

/** "https://GitHub.com/A/B.git" -> "github.com/a/b"; "git@github.com:a/b" -> "github.com/a/b". */
export function normalizeRepoUrl(url: string): string {
  let text = url.trim();
  const scp = /^[^@/\s]+@([^:/\s]+):(?!\/)(.+)$/.exec(text);
  if (scp) text = `ssh://${scp[1]}/${scp[2]}`;
  let hostAndPath: string;
  try {
    const u = new URL(text);
    hostAndPath = u.protocol === "file:" ? u.pathname : `${u.hostname}${u.pathname}`;
  } catch {
    hostAndPath = text;
  }
  return hostAndPath
    .replace(/\/+$/, "")
    .replace(/\.git$/i, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

export interface PushRepository {
  full_name?: string;
  clone_url?: string;
  html_url?: string;
  ssh_url?: string;
  git_url?: string;
}

/** True when `sourceUrl` names the repository of a push payload. */
export function isSameRepository(sourceUrl: string, repo: PushRepository): boolean {
  const source = normalizeRepoUrl(sourceUrl);
  const urls = [repo.clone_url, repo.html_url, repo.ssh_url, repo.git_url].filter(
    (u): u is string => typeof u === "string" && u !== "",
  );
  if (urls.some((u) => normalizeRepoUrl(u) === source)) return true;
  // full_name carries no host; match it against the owner/name part of a github.com URL.
  if (typeof repo.full_name === "string" && repo.full_name !== "") {
    return source === `github.com/${repo.full_name.toLowerCase()}`;
  }
  return false;
}

/** True when any changed path matches any watch glob (dotfiles included: .github/** counts). */
export function matchesWatch(globs: readonly string[], paths: readonly string[]): boolean {
  if (globs.length === 0 || paths.length === 0) return false;
  const isMatch = picomatch([...globs], { dot: true });
  return paths.some((p) => isMatch(p.replace(/^\.?\//, "")));
}

/** Every path a push touched: commits[].added/modified/removed, deduplicated. */
export function changedPaths(commits: unknown): string[] {
  if (!Array.isArray(commits)) return [];
  const out = new Set<string>();
  for (const c of commits as Record<string, unknown>[]) {
    for (const key of ["added", "modified", "removed"]) {
      const list = c?.[key];
      if (!Array.isArray(list)) continue;
      for (const p of list) if (typeof p === "string") out.add(p);
    }
  }
  return [...out];
}

/** The refs globs a target's pushes must match: its own, or the source's defaultRef branch. */
export function effectiveRefGlobs(refs: readonly string[] | undefined, defaultRef: string): string[] {
  return refs && refs.length > 0 ? [...refs] : [`refs/heads/${defaultRef}`];
}

/** True when the full ref matches a glob ('*' stops at '/', '**' crosses it, as in GitHub's filters). */
export function matchesRefs(globs: readonly string[], ref: string): boolean {
  return picomatch([...globs], { dot: true })(ref);
}
