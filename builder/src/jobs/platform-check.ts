// Platforms are checked when a build is asked for, before anything is queued: one the
// buildx builder cannot build is a 400 (or a usage error for `comfyume-builder run`)
// naming it, not a build that fails late or, worse, half-publishes.
import { describeUnsupportedPlatforms, findUnsupportedPlatforms } from "../buildx/platforms.js";
import type { BuildxCapabilities } from "../buildx/version.js";
import type { JobLogger } from "./job-context.js";
import { ServiceError } from "./service-error.js";

export async function refuseUnbuildablePlatforms(
  capabilities: (() => Promise<BuildxCapabilities>) | undefined,
  platforms: readonly string[],
  logger: JobLogger,
): Promise<void> {
  if (!capabilities) return;
  let caps: BuildxCapabilities;
  try {
    caps = await capabilities();
  } catch (err) {
    // A builder that does not answer now is not the request's fault: the build goes on
    // and reports buildx's own error if it still does not answer then.
    logger.warn("buildx capabilities unavailable; platforms not checked", { error: String(err) });
    return;
  }
  const unsupported = findUnsupportedPlatforms(platforms, caps.builder.platforms);
  if (unsupported.length === 0) return;
  const message = describeUnsupportedPlatforms(unsupported, caps);
  throw new ServiceError("INVALID_REQUEST", message, {
    issues: unsupported.map((p) => ({
      path: "platforms",
      message: `${JSON.stringify(p)} is not a platform of the buildx builder ${JSON.stringify(caps.builder.name)}`,
    })),
  });
}
