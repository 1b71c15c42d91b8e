// `comfyume-builder run` end to end on the real stack: build, cache, push, verify, smoke,
// record — and the failures an operator must be able to tell apart by code and message.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createR2Client } from "../../../builder/src/backup/r2.js";
import { RegistryClient } from "../../../builder/src/registry/client.js";
import { startFaultProxy, type FaultProxy } from "../../helpers/fault-proxy.js";
import { startS3rver, type S3rverHandle } from "../../helpers/s3rver.js";
import { stack } from "../../helpers/stack-env.js";
import { createEngineFixture, type EngineFixture } from "./engine-fixture.js";

const PASSING_SMOKE = `schemaVersion: 2.0.0
commandTests:
  - name: marker is there
    command: cat
    args: ["/marker"]
    expectedOutput: ["-ok"]
fileExistenceTests:
  - name: app file
    path: /app/hello.txt
    shouldExist: true
`;

let fx: EngineFixture;
let s3: S3rverHandle;
const registry = () =>
  new RegistryClient({ credentials: () => ({ username: stack().user, password: stack().password }) });

beforeAll(async () => {
  fx = await createEngineFixture();
  s3 = await startS3rver("worker-tarballs");
  await fx.target(
    "ok",
    'RUN mkdir /app && echo hello > /app/hello.txt\nCMD ["cat", "/app/hello.txt"]',
    {},
    PASSING_SMOKE,
  );
  await fx.target("broken", "RUN echo about to fail && exit 3");
  await fx.target("multi", "RUN uname -m > /arch", { platforms: ["linux/amd64", "linux/arm64"] });
  await fx.target("archived", "RUN echo archive-me > /a", { backup: { r2: true } });
});
afterAll(async () => {
  await s3?.close();
  await fx.cleanup();
});

describe("comfyume-builder run", () => {
  it("builds, pushes, verifies the digest, smoke-tests and records the build", async () => {
    const res = await fx.run(["ok", "--tag", "extra"]);
    expect(res.code, res.stderr).toBe(0);
    const r = res.record!;
    expect(r.status).toBe("succeeded");
    expect(r.error).toBeNull();
    expect(r.tags).toEqual([
      `${stack().registry}/engine-${fx.marker}/ok:ok`,
      expect.stringMatching(/:\d{8}$/),
      `${stack().registry}/engine-${fx.marker}/ok:extra`,
    ]);
    expect(r.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(r.pushed).toEqual([
      { ref: `${stack().registry}/engine-${fx.marker}/ok@${r.digest}`, digest: r.digest },
    ]);
    expect(r.published).toEqual(r.tags.map((ref) => ({ ref, digest: r.digest })));
    expect(r.phases.map((p) => [p.name, p.status])).toEqual([
      ["source", "succeeded"],
      ["build", "succeeded"],
      ["push", "succeeded"],
      ["smoke", "succeeded"],
      ["tag", "succeeded"],
      ["backup", "skipped"],
    ]);
    for (const p of r.phases) expect(p.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.smoke).toMatchObject({ passed: 2, failed: 0 });
    // The registry agrees with the record.
    expect((await registry().resolveDigest(r.tags[2]!)).digest).toBe(r.digest);
    // The durable record and log are on disk.
    const stored = JSON.parse(await readFile(path.join(fx.dataDir, "builds", r.id, "record.json"), "utf8"));
    expect(stored).toMatchObject({ id: r.id, status: "succeeded", digest: r.digest });
    const log = await readFile(path.join(fx.dataDir, "builds", r.id, "log.ndjson"), "utf8");
    // Phase changes are events (printed by `run` as they happen), not lines of the log.
    expect(log).not.toContain("phase smoke");
    expect(res.stderr).toMatch(/» phase smoke started\n[^]*» phase smoke succeeded in \d/);
    expect(res.stderr).toContain(`build ${r.id}: succeeded`);
    expect(res.stderr).toContain(`published: ${r.tags.join(", ")}`);
  });

  it("imports the target's local cache on the next build (BuildKit's own cache emptied in between)", async () => {
    const first = await fx.run(["ok", "--build-arg", "ROUND=1", "--no-smoke"]);
    expect(first.code, first.stderr).toBe(0);
    await run(["/usr/bin/docker", "buildx", "prune", "--all", "--force"], { env: process.env });
    const second = await fx.run(["ok", "--build-arg", "ROUND=1", "--no-smoke"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.record!.cache).toMatchObject({ imported: true });
    expect(second.record!.cache!.cachedSteps).toBeGreaterThanOrEqual(2);
    expect(second.record!.phases.find((p) => p.name === "smoke")).toMatchObject({ status: "skipped" });
  });

  it("fails a broken Dockerfile with BUILD_FAILED naming the failing step and its error", async () => {
    const res = await fx.run(["broken"]);
    expect(res.code).toBe(1);
    expect(res.record!.error!.code).toBe("BUILD_FAILED");
    expect(res.record!.error!.message).toMatch(/RUN echo about to fail && exit 3/);
    expect(res.record!.error!.message).toMatch(/exit code: 3/);
    expect(res.record!.phases.find((p) => p.name === "push")).toMatchObject({ status: "skipped" });
  });

  it("fails with SOURCE_FAILED when the target's context is not in the source", async () => {
    await fx.target("nocontext", "", { context: "does-not-exist", dockerfile: "does-not-exist/Dockerfile" });
    const res = await fx.run(["nocontext"]);
    expect(res.code).toBe(1);
    expect(res.record!.error).toMatchObject({ code: "SOURCE_FAILED" });
    expect(res.record!.error!.message).toContain('"does-not-exist" does not exist in the source');
    expect(res.record!.phases[0]).toMatchObject({ name: "source", status: "failed" });
  });

  it("a failing smoke test publishes nothing: the tag keeps the last good digest", async () => {
    const smoke = `schemaVersion: 2.0.0
commandTests:
  - name: must print banana
    command: cat
    args: ["/x"]
    expectedOutput: ["banana"]
`;
    await fx.target("gate", "RUN echo banana > /x", { tags: ["t"] }, smoke);
    const good = await fx.run(["gate"]);
    expect(good.code, good.stderr).toBe(0);
    const tag = good.record!.tags[0]!;
    expect(tag).toBe(`${stack().registry}/engine-${fx.marker}/gate:t`);
    expect((await registry().resolveDigest(tag)).digest).toBe(good.record!.digest);

    await fx.target("gate", "RUN echo apple > /x", { tags: ["t"] }, smoke);
    const res = await fx.run(["gate"]);
    expect(res.code).toBe(3);
    const r = res.record!;
    expect(r.error).toMatchObject({ code: "SMOKE_FAILED" });
    expect(r.error!.message).toContain("must print banana");
    expect(r.error!.message).toContain(
      `nothing was published: the previous tags were left where they were (${tag}); the tested image is `,
    );
    expect(r.smoke!.results[0]).toMatchObject({ name: "must print banana", passed: false });
    expect(r.digest).toMatch(/^sha256:/);
    expect(r.digest).not.toBe(good.record!.digest);
    expect(r.published).toBeUndefined();
    expect(r.phases.find((p) => p.name === "tag")).toMatchObject({ status: "skipped" });
    // The registry still serves the good image under the tag; the failed one only by digest.
    expect((await registry().resolveDigest(tag)).digest).toBe(good.record!.digest);
    expect(
      (await registry().resolveDigest(`${stack().registry}/engine-${fx.marker}/gate@${r.digest}`)).digest,
    ).toBe(r.digest);
    expect(res.stderr).toMatch(/not published: the build ended with SMOKE_FAILED/);
  });

  it("fails with PUSH_FAILED and a message naming the registry when the password is wrong", async () => {
    const res = await fx.run(["ok", "--build-arg", "ROUND=wrong-password"], {
      COMFYUME_REGISTRY_PASSWORD: "not-the-password",
    });
    expect(res.code).toBe(1);
    expect(res.record!.error!.code).toBe("PUSH_FAILED");
    expect(res.record!.error!.message).toContain(stack().registry);
  });

  it("archives the pushed image to R2 as <image>-<date>.tar.gz with a .sha256, never overwriting", async () => {
    const r2 = {
      R2_ENDPOINT: s3.endpoint,
      R2_ACCESS_KEY_ID: s3.accessKeyId,
      R2_SECRET_ACCESS_KEY: s3.secretAccessKey,
      R2_WORKER_CONTAINER_TAR_BALL_BUCKET: s3.bucket,
    };
    const first = await fx.run(["archived", "--no-smoke"], r2);
    expect(first.code, first.stderr).toBe(0);
    const day = new Date().toISOString().slice(0, 10);
    expect(first.record!.backup).toMatchObject({ key: `archived-${day}.tar.gz` });
    expect(first.record!.backup!.bytes).toBeGreaterThan(1000);
    expect(first.record!.phases.find((p) => p.name === "backup")).toMatchObject({ status: "succeeded" });
    // A second build the same day gets its own key; the first object stays.
    const second = await fx.run(["archived", "--no-smoke", "--build-arg", "AGAIN=1"], r2);
    expect(second.code, second.stderr).toBe(0);
    expect(second.record!.backup!.key).toMatch(new RegExp(`^archived-${day}-[a-f0-9]{12}\\.tar\\.gz$`));
    const client = createR2Client({
      endpoint: s3.endpoint,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    const keys = (listed.Contents ?? []).map((o) => o.Key).sort();
    const a = first.record!.backup!.key;
    const b = second.record!.backup!.key;
    expect(keys).toEqual([a, `${a}.sha256`, b, `${b}.sha256`].sort());
  });

  it("pushes an image index for linux/amd64 + linux/arm64 (the arm64 RUN under QEMU)", async () => {
    const res = await fx.run(["multi"]);
    expect(res.code, res.stderr).toBe(0);
    const desc = await registry().resolveDigest(res.record!.tags[0]!);
    expect(desc.digest).toBe(res.record!.digest);
    expect(desc.mediaType).toMatch(/index|manifest\.list/);
    const index = await registry().getManifest(res.record!.tags[0]!);
    const platforms = (index.json.manifests as { platform?: { architecture: string } }[])
      .map((m) => m.platform?.architecture)
      .filter((a) => a && a !== "unknown");
    expect(platforms.sort()).toEqual(["amd64", "arm64"]);
    expect(res.record!.published).toEqual(
      res.record!.tags.map((ref) => ({ ref, digest: res.record!.digest })),
    );
  });

  it("refuses a platform the builder cannot build before anything runs or is pushed", async () => {
    await fx.target("riscv", "RUN echo never");
    const res = await fx.run(["riscv", "--platform", "linux/riscv64"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/platform "linux\/riscv64" is not supported by the buildx builder "default"/);
    expect(res.record).toBeUndefined();
    const err = await registry()
      .resolveDigest(`${stack().registry}/engine-${fx.marker}/riscv:riscv`)
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/not found/);
  });

  it("a base image without the requested platform fails with buildx's reason and publishes nothing", async () => {
    // An amd64-only base (an index with one image and its attestation), in the authenticated registry.
    const base = `${stack().registry}/engine-${fx.marker}/amd64-only`;
    await fx.target("amd64base", "RUN echo base > /base", {
      tags: ["1"],
      image: base,
      platforms: ["linux/amd64"],
    });
    const made = await fx.run(["amd64base", "--no-smoke"]);
    expect(made.code, made.stderr).toBe(0);
    await fx.target("armchild", `FROM ${base}:1\nRUN cat /base`, { platforms: ["linux/arm64"] });
    const res = await fx.run(["armchild"]);
    expect(res.code).toBe(1);
    const r = res.record!;
    expect(r.error!.code).toBe("BUILD_FAILED");
    expect(r.error!.message).toContain("no match for platform in manifest");
    expect(r.error!.message).toContain("linux/arm64");
    expect(r.published).toBeUndefined();
    expect(r.digest).toBeNull();
    expect(r.phases.filter((p) => p.status === "succeeded").map((p) => p.name)).toEqual(["source"]);
  });

  it("runs buildx's push again when the registry answers it with a 500, then publishes", async () => {
    // Distribution's filesystem driver does this for real when a tag link is read while it is
    // rewritten; GHCR answers 5xx in incidents. buildx (containerd's pusher) does not retry.
    await withProxiedTarget("hiccup", "RUN echo hiccup > /h", async (proxy) => {
      failDockerdPushOnce(proxy);
      const res = await fx.run(["hiccup", "--no-smoke"]);
      expect(res.code, res.stderr).toBe(0);
      expect(proxy.seen).toContainEqual(
        expect.stringMatching(/^HEAD .*\/manifests\/.* -> 500 \(injected\)$/),
      );
      expect(res.stderr).toMatch(
        /push: .*500 Internal Server Error.*; pushing again in \d+ ms \(attempt 2 of 3\)/,
      );
      const tag = `${stack().registry}/engine-${fx.marker}/hiccup:hiccup`;
      expect((await registry().resolveDigest(tag)).digest).toBe(res.record!.digest);
    });
  });

  it("does not run a --no-cache build again for a registry 500 (it would rebuild in full), and says so", async () => {
    await withProxiedTarget("nocache", "RUN echo nocache > /n", async (proxy) => {
      failDockerdPushOnce(proxy);
      const res = await fx.run(["nocache", "--no-smoke", "--no-cache"]);
      expect(res.code).toBe(1);
      expect(res.record!.error!.code).toBe("PUSH_FAILED");
      expect(res.stderr).toMatch(/not pushing again: this is a --no-cache build/);
      expect(res.stderr).not.toMatch(/pushing again in/);
    });
  });

  it("does not push again when the registry refuses the credentials", async () => {
    await withProxiedTarget("refused", "RUN echo refused > /r", async (proxy) => {
      proxy.failNext(100, 403, (_method, p) => p.includes("/manifests/") || p.includes("/blobs/"));
      const res = await fx.run(["refused", "--no-smoke"]);
      expect(res.code).toBe(1);
      expect(res.record!.error!.code).toBe("PUSH_FAILED");
      expect(res.stderr).not.toMatch(/pushing again/);
    });
  });

  it("retries a tag PUT the registry answers with 503, then publishes", async () => {
    await withProxiedTarget("flaky", "RUN echo flaky > /f", async (proxy) => {
      proxy.failNext(1, 503, (method, p) => method === "PUT" && p.endsWith("/manifests/flaky"));
      const res = await fx.run(["flaky", "--no-smoke"]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/registry: attempt 1 failed \(HTTP 503\); retrying/);
      expect(proxy.seen).toContainEqual(
        expect.stringMatching(/^PUT .*\/manifests\/flaky -> 503 \(injected\)$/),
      );
      const tag = `${stack().registry}/engine-${fx.marker}/flaky:flaky`;
      expect((await registry().resolveDigest(tag)).digest).toBe(res.record!.digest);
      expect(res.record!.published?.map((p) => p.ref)).toContain(
        `${proxy.host}/engine-${fx.marker}/flaky:flaky`,
      );
    });
  });
});

/** A target `name` whose image is pushed through a fault proxy in front of the stack's registry. */
async function withProxiedTarget(
  name: string,
  steps: string,
  body: (proxy: FaultProxy) => Promise<void>,
): Promise<void> {
  const proxy = await startFaultProxy(stack().registry);
  try {
    await fx.registry(proxy.host);
    await fx.target(name, steps, { image: `${proxy.host}/engine-${fx.marker}/${name}` });
    await body(proxy);
  } finally {
    await proxy.close();
  }
}

/**
 * Answers dockerd's push of the staging tag ("pushing … with docker", containerd's pusher,
 * which does not retry) with one 500: the tag's second HEAD. The first is BuildKit's own
 * manifest push, which retries a 500 itself.
 */
function failDockerdPushOnce(proxy: FaultProxy): void {
  let heads = 0;
  proxy.failNext(
    1,
    500,
    (method, p) => method === "HEAD" && p.endsWith("/manifests/comfyume-builder-staging") && ++heads === 2,
  );
}
