// Which requested platforms the buildx builder cannot build, checked before anything
// runs: `docker buildx inspect` lists the builder's platforms (QEMU-emulated ones
// included), and a platform missing there would otherwise fail late, or worse, build a
// half-working image. Names are compared after containerd's normalisation
// (github.com/containerd/platforms: aarch64 = arm64, arm64/v8 = arm64, arm = arm/v7…).
import { BuildxError } from "./errors.js";
import type { BuildxCapabilities } from "./version.js";

const ARCH_ALIASES: Record<string, [string, string?]> = {
  x86_64: ["amd64"],
  "x86-64": ["amd64"],
  aarch64: ["arm64"],
  armhf: ["arm", "v7"],
  armel: ["arm", "v6"],
  i386: ["386"],
};

/** "linux/aarch64" → "linux/arm64", "linux/arm" → "linux/arm/v7", "linux/amd64/v1" → "linux/amd64". */
export function normalizePlatform(platform: string): string {
  const [os = "", rawArch = "", rawVariant] = platform.toLowerCase().split("/");
  const alias = ARCH_ALIASES[rawArch];
  const arch = alias?.[0] ?? rawArch;
  let variant = alias?.[1] ?? rawVariant;
  if (arch === "arm64" && (variant === "8" || variant === "v8" || variant === "v8.0")) variant = undefined;
  if (arch === "amd64" && variant === "v1") variant = undefined;
  if (arch === "arm") variant = variant === undefined ? "v7" : /^\d$/.test(variant) ? `v${variant}` : variant;
  return [os, arch, ...(variant ? [variant] : [])].join("/");
}

/**
 * The requested platforms the builder does not list, as requested. An empty builder list
 * means buildx did not say (an unusual driver): nothing is refused then.
 */
export function findUnsupportedPlatforms(requested: readonly string[], builder: readonly string[]): string[] {
  if (builder.length === 0) return [];
  const known = new Set(builder.map(normalizePlatform));
  return requested.filter((p) => !known.has(normalizePlatform(p)));
}

export function describeUnsupportedPlatforms(
  unsupported: readonly string[],
  caps: Pick<BuildxCapabilities, "builder">,
): string {
  const { name, driver, platforms } = caps.builder;
  const which =
    unsupported.length === 1
      ? `platform ${JSON.stringify(unsupported[0])} is`
      : `platforms ${unsupported.map((p) => JSON.stringify(p)).join(", ")} are`;
  return (
    `${which} not supported by the buildx builder ${JSON.stringify(name)} (${driver} driver), which builds ${platforms.join(", ")}; ` +
    "choose one of those, or give the builder the platform (QEMU via binfmt, or a native node)"
  );
}

export function unsupportedPlatformsError(
  unsupported: readonly string[],
  caps: Pick<BuildxCapabilities, "builder">,
): BuildxError {
  return new BuildxError("BUILDX_UNSUPPORTED_PLATFORM", describeUnsupportedPlatforms(unsupported, caps));
}
