// Renders a target's tag templates ({ref} {sha} {shortSha} {date} {target}) into image
// references. {ref} is sanitized the way docker/metadata-action turns a git ref into a
// tag: refs/heads/ and refs/tags/ prefixes dropped, anything outside [A-Za-z0-9_.-]
// becomes '-', no leading '.' or '-', at most 128 characters.
import { imageTagSchema } from "../../../common/values.js";

export interface TagValues {
  ref?: string;
  sha?: string;
  target: string;
  now: Date;
}

/** "refs/heads/feature/x" -> "feature-x"; undefined when nothing usable is left. */
export function sanitizeRefForTag(ref: string): string | undefined {
  const short = ref.replace(/^refs\/(heads|tags)\//, "");
  const tag = short
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, 128);
  return tag === "" ? undefined : tag;
}

/** YYYYMMDD in UTC, the date format metadata-action users expect in tags. */
export function formatTagDate(now: Date): string {
  return now.toISOString().slice(0, 10).replace(/-/g, "");
}

function placeholderValue(name: string, values: TagValues): string | undefined {
  switch (name) {
    case "ref":
      return values.ref === undefined ? undefined : sanitizeRefForTag(values.ref);
    case "sha":
      return values.sha;
    case "shortSha":
      return values.sha?.slice(0, 7);
    case "date":
      return formatTagDate(values.now);
    case "target":
      return values.target;
    default:
      return undefined;
  }
}

/**
 * One template -> one tag, or undefined when a placeholder has no value here (e.g. {sha}
 * for a path source): such templates are skipped rather than producing "sha-".
 */
export function renderTagTemplate(template: string, values: TagValues): string | undefined {
  let missing = false;
  const tag = template.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    const v = placeholderValue(name, values);
    if (v === undefined) missing = true;
    return v ?? "";
  });
  if (missing) return undefined;
  const clipped = tag.slice(0, 128);
  return imageTagSchema.safeParse(clipped).success ? clipped : undefined;
}

/**
 * The full image references of a build: the target's templates, then the request's
 * tags, without duplicates, in order. Falls back to "latest" when nothing renders.
 */
export function buildImageTags(
  image: string,
  templates: readonly string[],
  requestTags: readonly string[],
  values: TagValues,
): string[] {
  const tags: string[] = [];
  for (const t of templates) {
    const rendered = renderTagTemplate(t, values);
    if (rendered !== undefined) tags.push(rendered);
  }
  tags.push(...requestTags);
  if (tags.length === 0) tags.push("latest");
  return [...new Set(tags)].map((tag) => `${image}:${tag}`);
}
