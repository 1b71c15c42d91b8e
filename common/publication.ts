// Whether a build's image is behind its tags, in one sentence for every consumer (the
// trigger's summary, `comfyume-builder run`, the console, notifications). The record is
// the only input, so every renderer says the same thing.
import type { BuildRecord } from "./build-record.js";

export type Publication =
  { published: true; tags: string[]; digest: string } | { published: false; reason: string };

type PublicationFields = Pick<
  BuildRecord,
  "status" | "push" | "tags" | "digest" | "published" | "phases" | "error"
>;

export function describePublication(r: PublicationFields): Publication {
  const published = r.published ?? [];
  if (published.length > 0) {
    return { published: true, tags: published.map((p) => p.ref), digest: published[0]!.digest };
  }
  if (!r.push) return { published: false, reason: "push was off for this build (--no-push)" };
  const tag = r.phases.find((p) => p.name === "tag");
  // Records written before the tag phase existed: buildx pushed the tags itself.
  if (!tag && r.status === "succeeded" && r.digest)
    return { published: true, tags: r.tags, digest: r.digest };
  if (r.status === "queued" || r.status === "running") {
    return { published: false, reason: "the build has not reached the tag phase yet" };
  }
  const kept = r.tags.length > 0 ? `; ${r.tags.join(", ")} still point where they did before` : "";
  if (r.error) return { published: false, reason: `the build ended with ${r.error.code}${kept}` };
  if (tag?.message) return { published: false, reason: tag.message };
  return { published: false, reason: `no tag was moved${kept}` };
}

/** "published: a:1, a:latest" or "not published: <why>". */
export function formatPublication(r: PublicationFields): string {
  const p = describePublication(r);
  return p.published ? `published: ${p.tags.join(", ")}` : `not published: ${p.reason}`;
}
