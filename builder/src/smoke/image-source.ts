// What a smoke run tests: a pushed image (FROM by reference, by digest in the build
// runner) or a build result that was not pushed, exported as an OCI layout directory
// and named through `--build-context smoke-image=oci-layout://DIR@sha256:...` (buildx
// >= 0.10 supports oci-layout:// contexts; verified with buildx 0.13.1 and the docker
// driver on this stack).
import path from "node:path";
import { hasControlCharacters } from "../../../common/values.js";
import { SmokeError } from "./errors.js";

export type SmokeImageSource =
  { kind: "registry"; ref: string } | { kind: "oci-layout"; dir: string; digest?: string };

/** The build-context name the generated Dockerfile uses for an OCI layout image. */
export const OCI_CONTEXT_NAME = "smoke-image";

const DIGEST = /^sha256:[a-f0-9]{64}$/;
// [host[:port]/]path[:tag][@sha256:digest], per the distribution reference grammar.
const IMAGE_REF =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** Validates a source before it reaches a Dockerfile or an argv. Throws SMOKE_IMAGE_INVALID. */
export function parseImageSource(source: SmokeImageSource): SmokeImageSource {
  if (source.kind === "registry") {
    if (source.ref.length > 512 || !IMAGE_REF.test(source.ref)) {
      throw new SmokeError(
        "SMOKE_IMAGE_INVALID",
        `${JSON.stringify(source.ref)} is not an image reference; use host/name@sha256:<64 hex> (or host/name:tag), e.g. 127.0.0.1:5001/ns/img@sha256:...`,
      );
    }
    return source;
  }
  const { dir, digest } = source;
  if (!path.isAbsolute(dir) || hasControlCharacters(dir) || dir.includes("@") || dir.includes(",")) {
    throw new SmokeError(
      "SMOKE_IMAGE_INVALID",
      `${JSON.stringify(dir)} is not usable as an OCI layout directory; give an absolute path without control characters, '@' or ','`,
    );
  }
  if (digest !== undefined && !isDigest(digest)) {
    throw new SmokeError(
      "SMOKE_IMAGE_INVALID",
      `${JSON.stringify(digest)} is not a digest; an OCI layout digest looks like sha256:<64 lower-case hex>`,
    );
  }
  return source;
}

/** A short, human-readable name of the source for summaries and messages. */
export function describeImageSource(source: SmokeImageSource): string {
  return source.kind === "registry"
    ? source.ref
    : `oci-layout://${source.dir}${source.digest ? `@${source.digest}` : ""}`;
}
