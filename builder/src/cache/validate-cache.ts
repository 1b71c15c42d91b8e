// Checks that a local BuildKit cache directory (an OCI image layout written by
// `--cache-to type=local`) is complete: index.json parses and every blob it references,
// directly or through the manifests/indexes it points to, exists with the right size.
// Contents are not re-hashed: caches reach gigabytes and this runs before every build;
// a torn or truncated write shows as a wrong size or a missing file, which is what a
// crash or a concurrent writer leaves behind.
import { readFile, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../../../common/errors.js";

export type CacheValidation =
  | { ok: true; blobs: number; /** Every digest index.json reaches. */ digests: Set<string> }
  | { ok: false; reason: string };

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
}

const JSON_TYPES = /(manifest|index)(\.v\d+)?\+json$|manifest\.list\.v2\+json$/;
// A malformed cache must not make validation itself loop or explode.
const MAX_DEPTH = 4;

export async function validateCacheDir(dir: string): Promise<CacheValidation> {
  let index: unknown;
  try {
    index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8"));
  } catch (err) {
    return { ok: false, reason: `index.json is missing or not JSON (${errorMessage(err)})` };
  }
  const seen = new Set<string>();
  try {
    await checkDescriptors(dir, descriptorsOf(index, "index.json"), seen, 0);
  } catch (err) {
    return { ok: false, reason: errorMessage(err) };
  }
  return { ok: true, blobs: seen.size, digests: seen };
}

async function checkDescriptors(
  dir: string,
  list: Descriptor[],
  seen: Set<string>,
  depth: number,
): Promise<void> {
  for (const d of list) {
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    const file = blobPath(dir, d.digest);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      throw new Error(`blob ${d.digest} is missing`);
    }
    if (size !== d.size) throw new Error(`blob ${d.digest} has ${size} bytes, expected ${d.size}`);
    if (d.mediaType && JSON_TYPES.test(d.mediaType) && depth < MAX_DEPTH) {
      let child: unknown;
      try {
        child = JSON.parse(await readFile(file, "utf8"));
      } catch (err) {
        throw new Error(`blob ${d.digest} (${d.mediaType}) is not JSON: ${errorMessage(err)}`);
      }
      await checkDescriptors(dir, descriptorsOf(child, d.digest), seen, depth + 1);
    }
  }
}

function blobPath(dir: string, digest: string): string {
  const m = /^([a-z0-9]+):([a-f0-9]{32,128})$/.exec(digest);
  if (!m) throw new Error(`digest ${JSON.stringify(digest)} is not valid`);
  return path.join(dir, "blobs", m[1]!, m[2]!);
}

function descriptorsOf(doc: unknown, where: string): Descriptor[] {
  if (doc === null || typeof doc !== "object") throw new Error(`${where} is not a JSON object`);
  const obj = doc as Record<string, unknown>;
  const list: unknown[] = [];
  if (Array.isArray(obj.manifests)) list.push(...obj.manifests);
  if (Array.isArray(obj.layers)) list.push(...obj.layers);
  if (obj.config !== undefined) list.push(obj.config);
  if (where === "index.json" && list.length === 0) throw new Error("index.json references no manifests");
  return list.map((d) => {
    const desc = d as Partial<Descriptor>;
    if (typeof desc?.digest !== "string" || typeof desc.size !== "number") {
      throw new Error(`${where} has a descriptor without digest and size`);
    }
    return {
      digest: desc.digest,
      size: desc.size,
      ...(typeof desc.mediaType === "string" && { mediaType: desc.mediaType }),
    };
  });
}

/**
 * Deletes the blobs index.json no longer reaches. An export dir is seeded with the
 * previous cache's blobs (so BuildKit skips rewriting unchanged layers); what the new
 * index dropped must go, or the cache would only ever grow.
 */
export async function pruneUnreachableBlobs(dir: string, reachable: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  const blobs = path.join(dir, "blobs");
  for (const algorithm of await readdir(blobs).catch(() => [] as string[])) {
    for (const hex of await readdir(path.join(blobs, algorithm))) {
      if (reachable.has(`${algorithm}:${hex}`)) continue;
      await rm(path.join(blobs, algorithm, hex), { force: true });
      removed++;
    }
  }
  return removed;
}
