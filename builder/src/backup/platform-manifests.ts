// Which manifest to archive for each platform of a pushed image. buildx pushes an index
// (one manifest per platform plus attestation manifests for "unknown/unknown") or, with
// provenance off and one platform, a plain manifest.
import type { RegistryClient, RequestOptions } from "../registry/client.js";
import { formatImageRef, type ImageRef } from "../registry/image-ref.js";
import { isIndexMediaType, isManifestMediaType } from "../registry/media-types.js";
import { BackupError } from "./errors.js";

export interface OciPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: OciPlatform;
  annotations?: Record<string, string>;
}

export interface PlatformManifest {
  /** As requested: "linux/amd64". */
  platform: string;
  descriptor: Descriptor;
}

export function parsePlatform(text: string): OciPlatform {
  const [os, architecture, variant, extra] = text.split("/");
  if (!os || !architecture || extra !== undefined || variant === "") {
    throw new BackupError(`the platform ${JSON.stringify(text)} is not os/arch[/variant], e.g. linux/amd64`);
  }
  return { os, architecture, ...(variant !== undefined && { variant }) };
}

export function formatPlatform(p: OciPlatform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined).join("/");
}

/**
 * Picks the index entry for a platform. A request without a variant matches an entry
 * without one first, then any variant (buildx writes arm64 as "arm64" or "arm64/v8").
 */
export function selectPlatform(
  manifests: readonly Descriptor[],
  wanted: OciPlatform,
): Descriptor | undefined {
  const candidates = manifests.filter(
    (m) =>
      isManifestMediaType(m.mediaType) &&
      m.platform?.os === wanted.os &&
      m.platform.architecture === wanted.architecture &&
      (wanted.variant === undefined || m.platform.variant === wanted.variant),
  );
  return candidates.find((m) => m.platform?.variant === undefined) ?? candidates[0];
}

/** Resolves each requested platform to its manifest descriptor; throws BackupError when one is missing. */
export async function resolvePlatformManifests(
  client: RegistryClient,
  image: ImageRef,
  platforms: readonly string[],
  opts: RequestOptions = {},
): Promise<PlatformManifest[]> {
  if (platforms.length === 0)
    throw new BackupError("no platforms to archive; pass at least one, e.g. linux/amd64");
  const top = await client.getManifest(image, opts);
  if (isManifestMediaType(top.mediaType)) {
    if (platforms.length > 1) {
      throw new BackupError(
        `${formatImageRef(image)} is a single-platform manifest, but ${platforms.join(", ")} were asked for`,
      );
    }
    return [
      {
        platform: platforms[0]!,
        descriptor: { mediaType: top.mediaType, digest: top.digest, size: top.size },
      },
    ];
  }
  if (!isIndexMediaType(top.mediaType)) {
    throw new BackupError(
      `${formatImageRef(image)} has the unsupported media type ${JSON.stringify(top.mediaType)}`,
    );
  }
  const manifests = (top.json.manifests ?? []) as Descriptor[];
  return platforms.map((platform) => {
    const descriptor = selectPlatform(manifests, parsePlatform(platform));
    if (descriptor === undefined) {
      const has = manifests
        .filter((m) => m.platform && m.platform.os !== "unknown")
        .map((m) => formatPlatform(m.platform!));
      throw new BackupError(
        `${formatImageRef(image)} has no ${platform} manifest; it has ${has.join(", ") || "no platform manifests"}`,
      );
    }
    return { platform, descriptor };
  });
}
