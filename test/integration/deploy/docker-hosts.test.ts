// The builder on both kinds of Docker host (issue 11 §2): the stack's main dockerd (with
// the containerd image store) and its second dockerd with Docker's classic store, the
// default on hosts installed before Docker 29. On the classic store the `docker` driver
// cannot export a cache, so the builder refuses to be ready and says what to change, and a
// build fails at once with that message instead of buildx's. The oracle for "cannot" is
// buildx itself, run against the same daemon.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";
import {
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { BUSYBOX, classicDockerHost, stack } from "../../helpers/stack-env.js";

const DOCKER = "/usr/bin/docker";
let fx: BuilderFixture;
let tmp: string;
const builders: InProcessBuilder[] = [];

beforeAll(async () => {
  fx = await createBuilderFixture();
  tmp = await mkdtemp(path.join(os.tmpdir(), "docker-hosts-"));
  const info = await run([DOCKER, "info", "--format", "{{json .DriverStatus}}"], {
    env: { ...process.env, DOCKER_HOST: classicDockerHost() },
  });
  if (info.exitCode !== 0) {
    throw new Error(
      `the classic-store dockerd at ${classicDockerHost()} does not answer: ${info.stderr.join(" ")}; run \`bash scripts/stack/start.sh\``,
    );
  }
});
// Builders of one fixture share its data dir as replicas share the SFS: a ready builder left
// running would claim the next test's build (a classic-store build "succeeded" on the main
// daemon's replica). Each test's builders are stopped when it ends.
afterEach(async () => {
  for (const b of builders.splice(0)) await b.stop();
});
afterAll(async () => {
  await fx?.cleanup();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function builderOn(env: Record<string, string>): Promise<InProcessBuilder> {
  const b = await startBuilder(fx, { env });
  builders.push(b);
  return b;
}

async function readyz(b: InProcessBuilder) {
  const res = await fetch(`${b.url}/readyz`);
  const body = (await res.json()) as { checks?: { name: string; ok: boolean; message?: string }[] };
  return { status: res.status, buildx: body.checks?.find((c) => c.name === "buildx") };
}

/** A private BUILDX_CONFIG, so builders made here never show up in anyone else's `buildx ls`. */
async function buildxConfig(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await run(["mkdir", "-p", dir]);
  return dir;
}

describe("Docker hosts", () => {
  it("is ready on a daemon with the containerd image store", async () => {
    const b = await builderOn({ DOCKER_HOST: stack().dockerHost });
    const r = await readyz(b);
    expect(r.status).toBe(200);
    expect(r.buildx).toEqual({ name: "buildx", ok: true });
  });

  it("buildx itself cannot export a cache with the docker driver on the classic store", async () => {
    const ctx = path.join(tmp, "ctx");
    await run(["mkdir", "-p", ctx]);
    await writeFile(path.join(ctx, "Dockerfile"), `FROM ${BUSYBOX()}\nRUN echo classic-store-build\n`);
    const env = { ...process.env, DOCKER_HOST: classicDockerHost() };
    // The daemon itself builds fine...
    const plain = await run([DOCKER, "buildx", "build", "--progress=plain", ctx], { env });
    expect(plain.exitCode, plain.stderr.join("\n")).toBe(0);
    // ...but not with the local cache export every target uses.
    const cached = await run(
      [DOCKER, "buildx", "build", "--cache-to", `type=local,dest=${path.join(tmp, "cache")},mode=max`, ctx],
      { env },
    );
    expect(cached.exitCode).not.toBe(0);
    expect(cached.stderr.join("\n")).toContain("Cache export is not supported for the docker driver");
  });

  it("refuses to be ready on the classic store, saying what to change, and fails builds at once", async () => {
    const b = await builderOn({ DOCKER_HOST: classicDockerHost() });
    const r = await readyz(b);
    expect(r.status).toBe(503);
    expect(r.buildx?.ok).toBe(false);
    expect(r.buildx?.message).toContain("does not use the containerd image store");
    expect(r.buildx?.message).toContain('{"features": {"containerd-snapshotter": true}}');
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);

    const res = await fetch(`${b.url}/v1/builds?wait=true`, {
      method: "POST",
      headers: { ...b.api, "content-type": "application/json" },
      body: JSON.stringify({ target: "quick", push: false }),
    });
    const build = (await res.json()) as { status: string; error: { code: string; message: string } | null };
    expect(build.status).toBe("failed");
    expect(build.error?.message).toContain("does not use the containerd image store");
  });

  it("is not ready while a remote BuildKit does not answer", async () => {
    const config = await buildxConfig("remote");
    const env = { ...process.env, DOCKER_HOST: stack().dockerHost, BUILDX_CONFIG: config };
    // Port 1 on loopback: nothing listens there.
    const made = await run(
      [DOCKER, "buildx", "create", "--name", "unreachable", "--driver", "remote", "tcp://127.0.0.1:1"],
      {
        env,
      },
    );
    expect(made.exitCode, made.stderr.join("\n")).toBe(0);
    const b = await builderOn({
      DOCKER_HOST: stack().dockerHost,
      BUILDX_CONFIG: config,
      BUILDER_BUILDX_BUILDER: "unreachable",
    });
    const r = await readyz(b);
    expect(r.status).toBe(503);
    expect(r.buildx?.message).toContain(
      'the remote BuildKit of buildx builder "unreachable" does not answer',
    );
  });

  it("is not ready while a docker-container builder cannot start its BuildKit", async () => {
    // Here the daemon cannot pull moby/buildkit (no Docker Hub): the real failure, found by readiness.
    const config = await buildxConfig("container");
    const env = { ...process.env, DOCKER_HOST: classicDockerHost(), BUILDX_CONFIG: config };
    const made = await run(
      [
        DOCKER,
        "buildx",
        "create",
        "--name",
        "unpullable",
        "--driver",
        "docker-container",
        "--driver-opt",
        `image=${stack().mirror}/stand-in/no-such-buildkit:0`,
      ],
      { env },
    );
    expect(made.exitCode, made.stderr.join("\n")).toBe(0);
    const b = await builderOn({
      DOCKER_HOST: classicDockerHost(),
      BUILDX_CONFIG: config,
      BUILDER_BUILDX_BUILDER: "unpullable",
    });
    const r = await readyz(b);
    expect(r.status).toBe(503);
    expect(r.buildx?.message).toContain("docker buildx inspect --bootstrap unpullable");
    expect(r.buildx?.message).toContain("cannot start its BuildKit container");
  });

  it("reports the entrypoint's setup failure on /readyz and on every build", async () => {
    const b = await builderOn({
      DOCKER_HOST: stack().dockerHost,
      BUILDER_BUILDKIT_SETUP_ERROR:
        "remote BuildKit needs client TLS: /run/secrets/buildkit/ca.pem is missing",
    });
    const r = await readyz(b);
    expect(r.status).toBe(503);
    expect(r.buildx?.message).toBe(
      "The entrypoint could not set up BuildKit: remote BuildKit needs client TLS: /run/secrets/buildkit/ca.pem is missing.",
    );
    const res = await fetch(`${b.url}/v1/builds?wait=true`, {
      method: "POST",
      headers: { ...b.api, "content-type": "application/json" },
      body: JSON.stringify({ target: "quick", push: false }),
    });
    const build = (await res.json()) as { status: string; error: { message: string } | null };
    expect(build.status).toBe("failed");
    expect(build.error?.message).toContain("remote BuildKit needs client TLS");
  });
});
