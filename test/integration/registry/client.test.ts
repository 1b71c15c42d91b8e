// The registry client against the real stack: an htpasswd registry (basic auth) and,
// in front of it, a GHCR-like token proxy (bearer flow, injected 429/503).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, type RetryEvent } from "../../../builder/src/registry/client.js";
import { RegistryError } from "../../../builder/src/registry/errors.js";
import { OCI_INDEX, OCI_MANIFEST } from "../../../builder/src/registry/media-types.js";
import { PushVerificationError, verifyPushed } from "../../../builder/src/registry/verify-push.js";
import { stack } from "../../helpers/stack-env.js";
import { startTokenRegistry, type TokenRegistry } from "../../helpers/token-registry.js";
import { pushImage, uniqueRepository, type PushedImage } from "./push-image.js";

const s = stack();
const creds = (user: string, password: string) => (host: string) =>
  host === s.registry ? { username: user, password } : undefined;

let single: PushedImage;
let multi: PushedImage;
let proxy: TokenRegistry;

beforeAll(async () => {
  single = await pushImage({ repository: uniqueRepository("verify"), tags: ["v1", "sha-abc123", "latest"] });
  multi = await pushImage({
    repository: uniqueRepository("multi"),
    tags: ["v1"],
    platforms: ["linux/amd64", "linux/arm64"],
  });
  proxy = await startTokenRegistry({
    upstream: s.registry,
    upstreamUser: s.user,
    upstreamPassword: s.password,
    username: "ghcr-user",
    password: "ghcr-pat-0123456789",
  });
});

afterAll(async () => {
  await proxy?.close();
});

describe("basic auth against the htpasswd registry", () => {
  it("resolves every pushed tag to the digest buildx reported", async () => {
    const client = new RegistryClient({ credentials: creds(s.user, s.password) });
    const pushed = await verifyPushed(client, single.refs, single.digest);
    expect(pushed).toEqual(single.refs.map((ref) => ({ ref, digest: single.digest })));
    const d = await client.resolveDigest(single.refs[0]!);
    expect(d.mediaType).toBe(single.mediaType);
    expect(d.size).toBeGreaterThan(0);
  });

  it("reads the manifest and checks its bytes against the digest", async () => {
    const client = new RegistryClient({ credentials: creds(s.user, s.password) });
    const m = await client.getManifest(`${single.name}@${single.digest}`);
    expect(m.digest).toBe(single.digest);
    expect(m.size).toBe(m.bytes.length);
    expect(Array.isArray(m.json.manifests)).toBe(true);
  });

  it("a multi-platform push resolves to an image index with both platforms", async () => {
    const client = new RegistryClient({ credentials: creds(s.user, s.password) });
    const d = await client.resolveDigest(multi.refs[0]!);
    expect(d.digest).toBe(multi.digest);
    expect(d.mediaType).toBe(OCI_INDEX);
    const index = await client.getManifest(multi.refs[0]!);
    const platforms = (index.json.manifests as { platform: { os: string; architecture: string } }[])
      .map((m) => `${m.platform.os}/${m.platform.architecture}`)
      .filter((p) => p !== "unknown/unknown");
    expect(platforms.sort()).toEqual(["linux/amd64", "linux/arm64"]);
  });

  it("a wrong password is a clear 401, not retried", async () => {
    const retries: RetryEvent[] = [];
    const client = new RegistryClient({
      credentials: creds(s.user, "not-the-password"),
      onRetry: (e) => retries.push(e),
    });
    const err = await client.resolveDigest(single.refs[0]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe("REGISTRY_UNAUTHORIZED");
    const repo = single.name.slice(s.registry.length + 1);
    expect((err as Error).message).toBe(`registry ${s.registry} refused the credentials for ${repo} (401)`);
    expect(retries).toEqual([]);
  });

  it("no credentials says they are required", async () => {
    const err = await new RegistryClient().resolveDigest(single.refs[0]!).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /requires credentials for .* \(401\); configure them under registries/,
    );
  });

  it("an unknown tag is a clear not-found, and verifyPushed names the tag as PUSH_FAILED", async () => {
    const client = new RegistryClient({ credentials: creds(s.user, s.password) });
    const repo = single.name.slice(s.registry.length + 1);
    await expect(client.resolveDigest(`${single.name}:nope`)).rejects.toThrow(
      `tag nope not found in ${repo}`,
    );
    const err = await verifyPushed(client, [single.refs[0]!, `${single.name}:nope`]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushVerificationError);
    expect((err as PushVerificationError).code).toBe("PUSH_FAILED");
    expect((err as PushVerificationError).ref).toBe(`${single.name}:nope`);
    expect((err as Error).message).toContain(`${single.name}:nope is not in the registry`);
  });

  it("a tag pointing elsewhere is a PUSH_FAILED mismatch naming the tag", async () => {
    const client = new RegistryClient({ credentials: creds(s.user, s.password) });
    const err = await verifyPushed(client, single.refs, multi.digest).catch((e: unknown) => e);
    expect((err as PushVerificationError).code).toBe("PUSH_FAILED");
    expect((err as Error).message).toBe(
      `${single.refs[0]} points at ${single.digest}, not at the pushed ${multi.digest}; another push may have moved the tag`,
    );
  });
});

describe("GHCR-like bearer token flow", () => {
  const proxied = (image: PushedImage, tag: string) => `${image.name.replace(s.registry, proxy.host)}:${tag}`;
  const proxyCreds = (password: string) => (host: string) =>
    host === proxy.host ? { username: "ghcr-user", password } : undefined;

  it("gets a token once per scope and resolves every tag", async () => {
    const client = new RegistryClient({ credentials: proxyCreds("ghcr-pat-0123456789") });
    const before = proxy.tokenRequests.length;
    const refs = ["v1", "sha-abc123", "latest"].map((t) => proxied(single, t));
    const pushed = await verifyPushed(client, refs, single.digest);
    expect(pushed.map((p) => p.digest)).toEqual([single.digest, single.digest, single.digest]);
    const repo = single.name.slice(s.registry.length + 1);
    expect(proxy.tokenRequests.slice(before)).toEqual([`repository:${repo}:pull`]);
  });

  it("a refused token request is a clear 401", async () => {
    const client = new RegistryClient({ credentials: proxyCreds("wrong-pat") });
    const repo = single.name.slice(s.registry.length + 1);
    await expect(client.resolveDigest(proxied(single, "v1"))).rejects.toThrow(
      `registry ${proxy.host} refused the credentials for ${repo} (401 from its token service)`,
    );
  });

  it.each([
    [429, "1", 1000],
    [503, undefined, 40],
  ] as const)("retries %i twice then succeeds (3 attempts)", async (status, retryAfter, expectedDelay) => {
    const retries: RetryEvent[] = [];
    const client = new RegistryClient({
      credentials: proxyCreds("ghcr-pat-0123456789"),
      retry: { attempts: 4, baseMs: 40, maxMs: 2000 },
      random: () => 1,
      onRetry: (e) => retries.push(e),
    });
    await client.resolveDigest(proxied(single, "v1")); // token now cached
    const start = proxy.requests.length;
    proxy.failNext(2, status, retryAfter);
    const d = await client.resolveDigest(proxied(single, "v1"));
    expect(d.digest).toBe(single.digest);
    const seen = proxy.requests.slice(start).map((r) => r.status);
    expect(seen).toEqual([status, status, 200]);
    expect(retries.map((r) => r.reason)).toEqual([`HTTP ${status}`, `HTTP ${status}`]);
    expect(retries[0]!.delayMs).toBe(expectedDelay);
  });

  it("gives up after the configured attempts with a clear message", async () => {
    const client = new RegistryClient({
      credentials: proxyCreds("ghcr-pat-0123456789"),
      retry: { attempts: 3, baseMs: 10, maxMs: 20 },
    });
    await client.resolveDigest(proxied(single, "v1"));
    proxy.failNext(3, 503);
    const err = await client.resolveDigest(proxied(single, "v1")).catch((e: unknown) => e);
    expect((err as RegistryError).code).toBe("REGISTRY_UNAVAILABLE");
    expect((err as Error).message).toMatch(/answered 503 3 times in a row/);
  });

  it("retries connection errors", async () => {
    const retries: RetryEvent[] = [];
    // Port 1 on loopback refuses connections: every attempt is ECONNREFUSED.
    const client = new RegistryClient({
      retry: { attempts: 3, baseMs: 5, maxMs: 10 },
      onRetry: (e) => retries.push(e),
    });
    const err = await client.resolveDigest("127.0.0.1:1/a/b:c").catch((e: unknown) => e);
    expect((err as RegistryError).code).toBe("REGISTRY_UNAVAILABLE");
    expect((err as Error).message).toMatch(
      /could not reach registry 127.0.0.1:1 .* after 3 attempts \(ECONNREFUSED/,
    );
    expect(retries.map((r) => r.reason)).toEqual(["ECONNREFUSED", "ECONNREFUSED"]);
  });

  it("streams a blob through the bearer flow", async () => {
    const client = new RegistryClient({ credentials: proxyCreds("ghcr-pat-0123456789") });
    const index = await client.getManifest(proxied(single, "v1"));
    const first = (index.json.manifests as { digest: string }[])[0]!;
    const manifest = await client.getManifest(
      `${single.name.replace(s.registry, proxy.host)}@${first.digest}`,
    );
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    const config = manifest.json.config as { digest: string; size: number };
    const blob = await client.getBlob(proxied(single, "v1"), config.digest);
    let bytes = 0;
    for await (const chunk of blob.stream) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(config.size);
  });
});
