// An OCI distribution API client for what the builder needs after buildx has pushed by
// digest: confirm the digest, read manifests and blobs (smoke, backup) and, once smoke
// passed, put the exact manifest bytes under each tag (publish). Layers and images are
// pushed by buildx only. Basic auth and GHCR's bearer token flow are both handled here;
// transient failures are retried in retrying-request.ts.
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { Agent, interceptors, type Dispatcher } from "undici";
import { RegistryError } from "./errors.js";
import {
  formatImageRef,
  manifestReference,
  parseImageRef,
  registryApiHost,
  type ImageRef,
} from "./image-ref.js";
import { MANIFEST_ACCEPT } from "./media-types.js";
import { DEFAULT_RETRY_POLICY, parseRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import { authorizedRequest, type AuthState } from "./authorized-request.js";
import {
  headerValue,
  type HttpMethod,
  type Response,
  type RetryEvent,
  type RetryingRequestOptions,
} from "./retrying-request.js";
import { TokenCache, type RegistryCredentials } from "./token-auth.js";

export type { RegistryCredentials } from "./token-auth.js";
export type { RetryEvent } from "./retrying-request.js";

export interface RegistryClientOptions {
  /** Credentials by registry host ("ghcr.io", "127.0.0.1:5001"); undefined = anonymous. */
  credentials?: (host: string) => RegistryCredentials | undefined;
  /** Hosts spoken to over plain http. Default: localhost and loopback addresses. */
  insecureHosts?: (host: string) => boolean;
  retry?: Partial<RetryPolicy>;
  dispatcher?: Dispatcher;
  /** Told about every retry (for the build log). */
  onRetry?: (event: RetryEvent) => void;
  /** Jitter source; tests pass a constant. */
  random?: () => number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface ManifestDescriptor {
  digest: string;
  mediaType: string;
  size: number;
}

export interface FetchedManifest extends ManifestDescriptor {
  /** The exact bytes the digest is computed over. */
  bytes: Buffer;
  json: Record<string, unknown>;
}

export interface BlobStream {
  stream: Readable;
  /** Content-Length when the registry sent one. */
  size: number | undefined;
}

/** The OCI image-spec's advice: registries may refuse manifests over 4 MiB, so never read more. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

let agent: Agent | undefined;
/**
 * The registry clients' own connection pool. Not undici's global dispatcher: Node's
 * built-in fetch (a different undici) may install one first, and mixing the two fails
 * with "invalid onError method".
 */
function sharedAgent(): Agent {
  agent ??= new Agent();
  return agent;
}

export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, "");
  return name === "localhost" || name === "[::1]" || /^127(\.\d{1,3}){3}$/.test(name);
}

export class RegistryClient {
  private readonly http: RetryingRequestOptions;
  private readonly auth: AuthState = { tokens: new TokenCache(), bearerHosts: new Set() };
  private readonly credentials: (host: string) => RegistryCredentials | undefined;
  private readonly insecure: (host: string) => boolean;

  constructor(options: RegistryClientOptions = {}) {
    const policy = parseRetryPolicy({ ...DEFAULT_RETRY_POLICY, ...options.retry });
    // GHCR answers blob GETs with a redirect to its CDN; undici drops Authorization on
    // a cross-origin redirect, which is what the CDN's signed URL wants.
    const dispatcher = (options.dispatcher ?? sharedAgent()).compose(
      interceptors.redirect({ maxRedirections: 5 }),
    );
    this.http = { dispatcher, policy, random: options.random, onRetry: options.onRetry };
    this.credentials = options.credentials ?? (() => undefined);
    this.insecure = options.insecureHosts ?? isLoopbackHost;
  }

  /** The digest, media type and size of the manifest (or index) a tag or digest names. */
  async resolveDigest(ref: string | ImageRef, opts: RequestOptions = {}): Promise<ManifestDescriptor> {
    const image = typeof ref === "string" ? parseImageRef(ref) : ref;
    const reference = manifestReference(image);
    const res = await this.send(image, "HEAD", `manifests/${reference}`, MANIFEST_ACCEPT, opts.signal);
    await this.expectOk(res, image, describeReference(reference));
    await res.body.dump();
    const digest = headerValue(res.headers["docker-content-digest"]);
    // Docker-Content-Digest is optional in the OCI spec; without it, hash the manifest ourselves.
    if (!digest) return descriptorOf(await this.getManifest(image, opts));
    if (image.digest !== undefined && digest !== image.digest) {
      throw new RegistryError(
        "REGISTRY_PROTOCOL",
        `registry ${image.registry} answered digest ${digest} for ${formatImageRef(image)}`,
      );
    }
    return {
      digest,
      mediaType: mediaTypeOf(headerValue(res.headers["content-type"])) ?? "",
      size: Number(headerValue(res.headers["content-length"]) ?? 0),
    };
  }

  /** The manifest bytes and JSON; the digest is computed from the bytes and checked. */
  async getManifest(ref: string | ImageRef, opts: RequestOptions = {}): Promise<FetchedManifest> {
    const image = typeof ref === "string" ? parseImageRef(ref) : ref;
    const reference = manifestReference(image);
    const res = await this.send(image, "GET", `manifests/${reference}`, MANIFEST_ACCEPT, opts.signal);
    await this.expectOk(res, image, describeReference(reference));
    const bytes = await readCapped(res, MAX_MANIFEST_BYTES, `the manifest of ${formatImageRef(image)}`);
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    const claimed = headerValue(res.headers["docker-content-digest"]) ?? image.digest;
    if (claimed !== undefined && claimed.startsWith("sha256:") && claimed !== digest) {
      throw new RegistryError(
        "REGISTRY_PROTOCOL",
        `registry ${image.registry} sent a manifest for ${formatImageRef(image)} whose sha256 is ${digest}, not ${claimed}`,
      );
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
    } catch {
      throw new RegistryError("REGISTRY_PROTOCOL", `the manifest of ${formatImageRef(image)} is not JSON`);
    }
    const mediaType =
      mediaTypeOf(headerValue(res.headers["content-type"])) ??
      (typeof json.mediaType === "string" ? json.mediaType : "");
    return { digest, mediaType, size: bytes.length, bytes, json };
  }

  /**
   * Puts manifest bytes under `ref`'s tag. The bytes are sent exactly as given (a tag is a
   * name for a digest, so re-serialising would make a different image); the registry's
   * Docker-Content-Digest, when it sends one, must be the bytes' sha256.
   */
  async putManifest(
    ref: string | ImageRef,
    manifest: { bytes: Buffer; mediaType: string },
    opts: RequestOptions = {},
  ): Promise<string> {
    const image = typeof ref === "string" ? parseImageRef(ref) : ref;
    const reference = manifestReference(image);
    const digest = `sha256:${createHash("sha256").update(manifest.bytes).digest("hex")}`;
    const res = await this.send(image, "PUT", `manifests/${reference}`, MANIFEST_ACCEPT, opts.signal, {
      bytes: manifest.bytes,
      contentType: manifest.mediaType,
    });
    if (res.statusCode !== 201 && res.statusCode !== 200) {
      await this.expectOk(res, image, describeReference(reference));
    }
    await res.body.dump();
    const answered = headerValue(res.headers["docker-content-digest"]);
    if (answered !== undefined && answered !== digest) {
      throw new RegistryError(
        "REGISTRY_PROTOCOL",
        `registry ${image.registry} stored ${formatImageRef(image)} as ${answered}, not as the ${digest} that was sent`,
      );
    }
    return digest;
  }

  /** A blob's bytes as a stream (never buffered); the caller verifies its digest while reading. */
  async getBlob(ref: string | ImageRef, digest: string, opts: RequestOptions = {}): Promise<BlobStream> {
    const image = typeof ref === "string" ? parseImageRef(ref) : ref;
    const res = await this.send(image, "GET", `blobs/${digest}`, "*/*", opts.signal);
    await this.expectOk(res, image, `blob ${digest}`);
    const length = headerValue(res.headers["content-length"]);
    return { stream: res.body, size: length === undefined ? undefined : Number(length) };
  }

  private send(
    image: ImageRef,
    method: HttpMethod,
    path: string,
    accept: string,
    signal?: AbortSignal,
    body?: { bytes: Buffer; contentType: string },
  ) {
    const host = image.registry;
    return authorizedRequest(
      {
        host,
        repository: image.repository,
        url: `${this.insecure(host) ? "http" : "https"}://${registryApiHost(host)}/v2/${image.repository}/${path}`,
        method,
        accept,
        ...(body && { body }),
        credentials: this.credentials(host),
        signal,
        what: `registry ${host} (${method} ${image.repository}/${path})`,
      },
      this.auth,
      this.http,
    );
  }

  /** 200 passes; 404 names what is missing; 403 and anything else become a clear RegistryError. */
  private async expectOk(res: Response, image: ImageRef, missing: string): Promise<void> {
    if (res.statusCode === 200) return;
    const body = (await res.body.text().catch(() => "")).slice(0, 200);
    if (res.statusCode === 404) {
      throw new RegistryError("REGISTRY_NOT_FOUND", `${missing} not found in ${image.repository}`, 404);
    }
    if (res.statusCode === 403) {
      throw new RegistryError(
        "REGISTRY_DENIED",
        `registry ${image.registry} denied access to ${image.repository} (403); the credentials lack permission for it`,
        403,
      );
    }
    throw new RegistryError(
      "REGISTRY_PROTOCOL",
      `registry ${image.registry} answered ${res.statusCode} for ${image.repository}${body ? `: ${body}` : ""}`,
      res.statusCode,
    );
  }
}

/** "tag v1" or "manifest sha256:…", for not-found messages. */
function describeReference(reference: string): string {
  return reference.includes(":") ? `manifest ${reference}` : `tag ${reference}`;
}

function descriptorOf(m: FetchedManifest): ManifestDescriptor {
  return { digest: m.digest, mediaType: m.mediaType, size: m.size };
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(";")[0]?.trim();
  return type ? type : undefined;
}

async function readCapped(res: Response, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += (chunk as Buffer).length;
    if (total > max) {
      res.body.destroy();
      throw new RegistryError(
        "REGISTRY_PROTOCOL",
        `${what} is larger than ${max} bytes; refusing to read it`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
