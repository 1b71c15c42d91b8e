// Stable keys for dedup and idempotency. Two requests are "the same build" when target,
// resolved source (commit, upload digest or path source), build args, platforms, tags
// and push all match (SPEC §3 "Dedup and idempotency").
import { createHash } from "node:crypto";
import type { BuildRecord, SourceInfo } from "../../../common/build-record.js";

/** JSON with object keys sorted, so equal values always serialize alike. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function sourceIdentity(source: SourceInfo): string {
  switch (source.kind) {
    case "git":
      return `git:${source.name}@${source.commit ?? source.ref}`;
    case "upload":
      return `upload:${source.sha256}`;
    case "path":
      return `path:${source.name}`;
  }
}

/** The dedup key of a build record (hex); platforms and tags compare as sets. */
export function buildDedupKey(
  record: Pick<BuildRecord, "target" | "source" | "tags" | "platforms" | "push" | "params">,
): string {
  return sha256Hex(
    stableStringify({
      target: record.target,
      source: sourceIdentity(record.source),
      buildArgs: record.params.buildArgs,
      platforms: [...record.platforms].sort(),
      tags: [...record.tags].sort(),
      push: record.push,
    }),
  );
}

/** The fingerprint an Idempotency-Key is bound to: the request as sent plus the upload digest. */
export function buildParamsFingerprint(request: unknown, uploadSha256?: string): string {
  return sha256Hex(stableStringify({ request, upload: uploadSha256 ?? null }));
}
