// The results of a build come from the file buildx writes with --metadata-file,
// never from scraping its output. Only the fields the builder relies on are
// required; everything else buildx adds is kept out of the typed result.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { BuildxError } from "./errors.js";
import { errorMessage } from "../../../common/errors.js";

const digestSchema = z.string().regex(/^sha256:[a-f0-9]{64}$/, { message: "a digest is sha256:<64 hex>" });

const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
});

const rawMetadataSchema = z.object({
  "containerimage.digest": digestSchema.optional(),
  "containerimage.descriptor": descriptorSchema.optional(),
  "image.name": z.string().optional(),
  "buildx.build.ref": z.string().optional(),
});

export interface BuildxMetadata {
  /** The image (or index, with attestations or several platforms) digest. Absent for cache-only builds. */
  digest?: string;
  descriptor?: { mediaType: string; digest: string; size: number };
  /** The names buildx gave the image (comma-separated in the file, split here). */
  imageNames: string[];
  /** `builder/node/ref`, for `docker buildx history` and debugging. */
  buildRef?: string;
  /** True when the descriptor is an image index (multi-platform, or with attestations). */
  isIndex: boolean;
}

const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];

/** Parses the JSON text of a --metadata-file. Throws BuildxError when it is not the expected shape. */
export function parseBuildxMetadata(json: string): BuildxMetadata {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new BuildxError(
      "BUILDX_METADATA_INVALID",
      `the buildx metadata file is not JSON (${errorMessage(err)}): ${JSON.stringify(json.slice(0, 120))}`,
    );
  }
  const parsed = rawMetadataSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new BuildxError(
      "BUILDX_METADATA_INVALID",
      `the buildx metadata file has unexpected values: ${issues}`,
    );
  }
  const raw = parsed.data;
  const descriptor = raw["containerimage.descriptor"];
  return {
    digest: raw["containerimage.digest"] ?? descriptor?.digest,
    descriptor: descriptor && {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
    },
    imageNames: (raw["image.name"] ?? "")
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n.length > 0),
    buildRef: raw["buildx.build.ref"],
    isIndex: descriptor !== undefined && INDEX_TYPES.includes(descriptor.mediaType),
  };
}

/** Reads and parses a metadata file; `undefined` when buildx did not write it (a failed build). */
export async function resolveBuildxMetadata(file: string): Promise<BuildxMetadata | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  // buildx creates the file only at the end; an empty file means it wrote nothing useful.
  if (text.trim() === "") return undefined;
  return parseBuildxMetadata(text);
}
