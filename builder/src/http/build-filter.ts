// The list's trigger filter and search (GET /v1/builds?trigger=&q=, and the console's
// builds list). Search is what an operator has at hand: part of a build id, a tag (or a
// whole image reference), the git ref, the digest, or the first characters of a commit.
import type { BuildRecord, TriggerKind } from "../../../common/build-record.js";

export interface BuildFilter {
  trigger?: TriggerKind | undefined;
  q?: string | undefined;
}

function searchable(r: BuildRecord): string[] {
  const refs = [...r.tags, ...(r.published ?? []).map((p) => p.ref), ...(r.pushed ?? []).map((p) => p.ref)];
  const ref = r.source.kind === "git" ? r.source.ref : r.params.ref;
  return [r.id, ...refs, ...(ref ? [ref] : []), ...(r.digest ? [r.digest] : [])].map((s) => s.toLowerCase());
}

function commitOf(r: BuildRecord): string | undefined {
  return r.source.kind === "upload" ? r.source.sha256 : (r.source.commit ?? undefined);
}

/** A predicate for ListQuery.match, or undefined when nothing is filtered. Pure. */
export function buildMatcher(filter: BuildFilter): ((r: BuildRecord) => boolean) | undefined {
  const q = filter.q?.trim().toLowerCase();
  if (!filter.trigger && !q) return undefined;
  return (r) => {
    if (filter.trigger && r.trigger.kind !== filter.trigger) return false;
    if (!q) return true;
    if (searchable(r).some((s) => s.includes(q))) return true;
    return commitOf(r)?.toLowerCase().startsWith(q) ?? false;
  };
}
