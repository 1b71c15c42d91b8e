// Image references as the distribution reference grammar defines them
// (github.com/distribution/reference): [host[:port]/]path[:tag][@digest].
// The registry client needs the host and repository apart, and push verification
// and backup need the tag and digest apart, so one parser serves all three.

export interface ImageRef {
  /** Registry host with optional port, e.g. "ghcr.io" or "127.0.0.1:5001". */
  registry: string;
  /** Repository path inside the registry, e.g. "ahelme/comfyume-worker". */
  repository: string;
  tag?: string;
  /** "sha256:<64 hex>" (or another registered algorithm). */
  digest?: string;
}

export class ImageRefError extends Error {
  readonly code = "INVALID_IMAGE_REF";
  constructor(message: string) {
    super(message);
    this.name = "ImageRefError";
  }
}

/** Docker Hub's canonical name; its API lives elsewhere (see registryApiHost). */
export const DOCKER_HUB = "docker.io";

const HOST_COMPONENT = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])";
const HOST = new RegExp(
  `^(?:${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*|\\[[0-9A-Fa-f:]+\\])(?::[0-9]{1,5})?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const FORBIDDEN = /[\u0000-\u0020\u007f-\u009f]/;

/**
 * Parses "ghcr.io/ahelme/comfyume-worker:v1" or "127.0.0.1:5001/ns/img@sha256:…".
 * Like Docker, a first segment without '.', ':' or "localhost" is part of the path
 * on Docker Hub, and a one-segment Docker Hub name lives under "library/".
 * Throws ImageRefError quoting the bad value.
 */
export function parseImageRef(text: string): ImageRef {
  const fail = (why: string): never => {
    throw new ImageRefError(
      `${JSON.stringify(text)} is not an image reference: ${why}; ` +
        "use host/owner/name[:tag][@sha256:digest], e.g. ghcr.io/ahelme/comfyume-worker:v0.11.0",
    );
  };
  if (text.length === 0) fail("it is empty");
  if (FORBIDDEN.test(text)) fail("it contains spaces or control characters");
  if (text.startsWith("-")) fail("it starts with '-'");

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) fail(`the digest ${JSON.stringify(digest)} is not algorithm:hex`);
    if (digest.startsWith("sha256:") && !SHA256_DIGEST.test(digest)) {
      fail(`the digest ${JSON.stringify(digest)} is not sha256 followed by 64 lower-case hex digits`);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      fail(`the tag ${JSON.stringify(tag)} must be 1-128 of letters, digits, '_', '.', '-'`);
  }

  const { registry, repository } = splitName(rest, fail);
  if (`${registry}/${repository}`.length > 255) fail("the name is longer than 255 characters");
  return { registry, repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

function splitName(name: string, fail: (why: string) => never): { registry: string; repository: string } {
  const segments = name.split("/");
  const first = segments[0] ?? "";
  const hasHost =
    segments.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasHost ? first : DOCKER_HUB;
  const path = hasHost ? segments.slice(1) : segments;
  if (hasHost && !HOST.test(registry))
    fail(`the registry host ${JSON.stringify(registry)} is not a host[:port]`);
  for (const part of path) {
    if (!PATH_COMPONENT.test(part)) {
      fail(
        `the path component ${JSON.stringify(part)} must be lower-case letters and digits separated by '.', '_', '__' or '-'`,
      );
    }
  }
  if (registry === DOCKER_HUB && path.length === 1) path.unshift("library");
  return { registry, repository: path.join("/") };
}

/** The canonical text form: host/repository[:tag][@digest]. */
export function formatImageRef(ref: ImageRef): string {
  return (
    `${ref.registry}/${ref.repository}` +
    (ref.tag !== undefined ? `:${ref.tag}` : "") +
    (ref.digest !== undefined ? `@${ref.digest}` : "")
  );
}

/** What a manifest request names: the digest when there is one (it pins the content), else the tag. */
export function manifestReference(ref: ImageRef): string {
  const reference = ref.digest ?? ref.tag;
  if (reference === undefined) {
    throw new ImageRefError(
      `${JSON.stringify(formatImageRef(ref))} names neither a tag nor a digest; add :tag or @sha256:…`,
    );
  }
  return reference;
}

/** The host that serves the registry API; Docker Hub's name and API host differ. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? "registry-1.docker.io" : registry;
}

/** The last path segment of the repository, e.g. "comfyume-worker". */
export function imageName(ref: ImageRef): string {
  return ref.repository.slice(ref.repository.lastIndexOf("/") + 1);
}
