// Publishing against the real registry: the exact manifest (or index) bytes of a digest
// put under each tag, read back, through basic auth, GHCR's bearer flow (the token
// proxy) and a proxy that injects a 503 into the tag PUT.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, type RetryEvent } from "../../../builder/src/registry/client.js";
import { OCI_INDEX } from "../../../builder/src/registry/media-types.js";
import { PublishError, publishTags } from "../../../builder/src/registry/publish-tags.js";
import { startFaultProxy, type FaultProxy } from "../../helpers/fault-proxy.js";
import { stack } from "../../helpers/stack-env.js";
import { startTokenRegistry, type TokenRegistry } from "../../helpers/token-registry.js";
import { pushImage, uniqueRepository, type PushedImage } from "./push-image.js";

const s = stack();
const direct = () =>
  new RegistryClient({
    credentials: (host) => (host === s.registry ? { username: s.user, password: s.password } : undefined),
  });

let older: PushedImage;
let single: PushedImage;
let multi: PushedImage;
let tokens: TokenRegistry;
let faults: FaultProxy;

beforeAll(async () => {
  const repository = uniqueRepository("publish");
  // `v1` first names an older image: publishing must move it.
  older = await pushImage({ repository, tags: ["v1"] });
  single = await pushImage({ repository, tags: ["staging"] });
  multi = await pushImage({
    repository: uniqueRepository("publish-multi"),
    tags: ["staging"],
    platforms: ["linux/amd64", "linux/arm64"],
  });
  tokens = await startTokenRegistry({
    upstream: s.registry,
    upstreamUser: s.user,
    upstreamPassword: s.password,
    username: "ghcr-user",
    password: "ghcr-pat-0123456789",
  });
  faults = await startFaultProxy(s.registry);
});

afterAll(async () => {
  await tokens?.close();
  await faults?.close();
});

describe("publishTags with basic auth", () => {
  it("moves every tag to the digest, the registry agreeing byte for byte", async () => {
    const client = direct();
    expect((await client.resolveDigest(`${single.name}:v1`)).digest).toBe(older.digest);
    const refs = [`${single.name}:v1`, `${single.name}:latest`];
    const published = await publishTags(client, single.name, single.digest, refs);
    expect(published).toEqual(refs.map((ref) => ({ ref, digest: single.digest })));
    const source = await client.getManifest(`${single.name}@${single.digest}`);
    for (const ref of refs) expect((await client.getManifest(ref)).bytes.equals(source.bytes)).toBe(true);
  });

  it("tags a multi-platform index as an index", async () => {
    const client = direct();
    const refs = [`${multi.name}:v2`];
    await publishTags(client, multi.name, multi.digest, refs);
    const d = await client.resolveDigest(refs[0]!);
    expect(d).toMatchObject({ digest: multi.digest, mediaType: OCI_INDEX });
  });

  it("a wrong password is PUSH_FAILED naming the registry, and no tag moves", async () => {
    const client = new RegistryClient({
      credentials: () => ({ username: s.user, password: "not-the-password" }),
    });
    const err = await publishTags(client, single.name, older.digest, [`${single.name}:v1`]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).code).toBe("PUSH_FAILED");
    expect((err as Error).message).toContain(`registry ${s.registry} refused the credentials`);
    expect((await direct().resolveDigest(`${single.name}:v1`)).digest).toBe(single.digest);
  });

  it("refuses a tag of another repository", async () => {
    const err = await publishTags(direct(), single.name, single.digest, [`${multi.name}:x`]).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/is not a tag of .*only tags of the pushed repository/);
  });
});

describe("publishTags through a registry that answers the tag PUT with 503 once", () => {
  it("retries the PUT and publishes", async () => {
    const retries: RetryEvent[] = [];
    const client = new RegistryClient({
      credentials: (host) => (host === faults.host ? { username: s.user, password: s.password } : undefined),
      retry: { baseMs: 10, maxMs: 50 },
      onRetry: (e) => retries.push(e),
    });
    const name = single.name.replace(s.registry, faults.host);
    faults.failNext(1, 503, (method, path) => method === "PUT" && path.endsWith("/manifests/flaky"));
    const published = await publishTags(client, name, single.digest, [`${name}:flaky`]);
    expect(published).toEqual([{ ref: `${name}:flaky`, digest: single.digest }]);
    expect(retries.map((r) => r.reason)).toEqual(["HTTP 503"]);
    expect(faults.seen.filter((l) => l.startsWith("PUT"))).toEqual([
      expect.stringMatching(/manifests\/flaky -> 503 \(injected\)$/),
      expect.stringMatching(/manifests\/flaky -> 201$/),
    ]);
    expect((await direct().resolveDigest(`${single.name}:flaky`)).digest).toBe(single.digest);
  });
});

describe("publishTags with GHCR's bearer token flow", () => {
  it("asks for a push token and publishes", async () => {
    const client = new RegistryClient({
      credentials: (host) =>
        host === tokens.host ? { username: "ghcr-user", password: "ghcr-pat-0123456789" } : undefined,
    });
    const name = single.name.replace(s.registry, tokens.host);
    const repo = single.name.slice(s.registry.length + 1);
    const before = tokens.tokenRequests.length;
    const published = await publishTags(client, name, single.digest, [`${name}:ghcr-a`, `${name}:ghcr-b`]);
    expect(published.map((p) => p.digest)).toEqual([single.digest, single.digest]);
    expect(tokens.tokenRequests.slice(before)).toContain(`repository:${repo}:pull,push`);
    const stored = tokens.requests.filter((r) => r.method === "PUT" && r.status === 201);
    expect(stored).toHaveLength(2);
    for (const put of stored) expect(put.authorization).toMatch(/^Bearer /);
    expect((await direct().resolveDigest(`${single.name}:ghcr-b`)).digest).toBe(single.digest);
  });

  it("a PAT the token service refuses is PUSH_FAILED naming the registry", async () => {
    const client = new RegistryClient({
      credentials: () => ({ username: "ghcr-user", password: "wrong-pat" }),
    });
    const name = single.name.replace(s.registry, tokens.host);
    const err = await publishTags(client, name, single.digest, [`${name}:never`]).catch((e: unknown) => e);
    expect((err as PublishError).code).toBe("PUSH_FAILED");
    expect((err as Error).message).toContain(`registry ${tokens.host} refused the credentials`);
  });
});
