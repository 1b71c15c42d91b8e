// runBuildx against the real dockerd + buildx 0.13 and the htpasswd registry.
import { access } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBuildxArgs } from "../../../builder/src/buildx/argv.js";
import { runBuildx } from "../../../builder/src/buildx/run-buildx.js";
import { resolveBuildxCapabilities } from "../../../builder/src/buildx/version.js";
import { run } from "../../../builder/src/process/spawn.js";
import { stack } from "../../helpers/stack-env.js";
import { BuildEnv, DOCKER, nonce, testRepo } from "./build-env.js";

let env: BuildEnv;
beforeAll(async () => {
  env = await BuildEnv.create();
});
afterAll(async () => {
  await env?.cleanup();
});

describe("resolveBuildxCapabilities", () => {
  it("sees buildx 0.13, the default docker-driver builder with arm64 via QEMU, and the containerd store", () => {
    expect(env.caps.version.major).toBe(0);
    expect(env.caps.version.minor).toBeGreaterThanOrEqual(13);
    expect(env.caps.builder).toMatchObject({ name: "default", driver: "docker" });
    expect(env.caps.builder.platforms).toEqual(expect.arrayContaining(["linux/amd64", "linux/arm64"]));
    expect(env.caps.containerdStore).toBe(true);
  });

  it("names a missing builder in its error", async () => {
    await expect(
      resolveBuildxCapabilities({ docker: DOCKER, builder: "no-such-builder", env: process.env }),
    ).rejects.toMatchObject({
      code: "BUILDX_UNAVAILABLE",
      message: expect.stringMatching(/no-such-builder/),
    });
  });
});

describe("runBuildx", () => {
  it("builds and pushes through a per-build DOCKER_CONFIG, with the digest from the metadata file", async () => {
    const ctx = await env.context(
      "push",
      `RUN echo ${nonce()} > /n\nRUN --mount=type=secret,id=tok cat /run/secrets/tok`,
    );
    const cfg = await env.dockerConfig();
    const secret = `build-secret-${nonce()}`;
    const tag = `${testRepo("push")}:v1`;
    const spec = env.spec("push", ctx, {
      tags: [tag],
      push: true,
      output: undefined,
      secrets: [{ id: "tok", env: "IT_BUILD_SECRET" }],
    });
    env.argvs.push(buildBuildxArgs(spec, env.caps));
    const outcome = await runBuildx(spec, {
      docker: DOCKER,
      env: env.env(cfg, { IT_BUILD_SECRET: secret }),
      caps: env.caps,
      onLine: env.onLine,
      secrets: [stack().password, secret],
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.ok).toBe(true);
    expect(outcome.metadata?.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(outcome.metadata?.imageNames).toEqual([tag]);
    expect(outcome.steps).toEqual({ total: 2, cached: 0 });
    // The secret was printed by the RUN step and reached us redacted.
    expect(env.lines.some((l) => l.includes("***"))).toBe(true);
    const raw = await run([DOCKER, "buildx", "imagetools", "inspect", "--raw", tag], { env: env.env(cfg) });
    expect(raw.exitCode).toBe(0);
    await cfg.cleanup();
    await expect(access(cfg.dir)).rejects.toMatchObject({ code: "ENOENT" });
    for (const text of [...env.lines, ...env.argvs.flat()]) {
      expect(text).not.toContain(stack().password);
      expect(text).not.toContain(secret);
    }
  });

  it("reports the failing step, its error line and its output", async () => {
    const ctx = await env.context(
      "fail",
      `RUN echo ${nonce()}\nRUN echo "about to fail" && exit 3\nRUN echo never`,
    );
    const outcome = await runBuildx(env.spec("fail", ctx), {
      docker: DOCKER,
      env: env.env(),
      caps: env.caps,
      secrets: [],
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.metadata).toBeUndefined();
    expect(outcome.error).toEqual({
      kind: "build",
      step: '[3/4] RUN echo "about to fail" && exit 3',
      message:
        'step [3/4] RUN echo "about to fail" && exit 3 failed: process "/bin/sh -c echo \\"about to fail\\" && exit 3" did not complete successfully: exit code: 3',
      output: ["about to fail"],
    });
  });

  it("reports a Dockerfile syntax error with its line", async () => {
    const ctx = await env.context("syntax", "RUNN echo hi");
    const outcome = await runBuildx(env.spec("syntax", ctx), {
      docker: DOCKER,
      env: env.env(),
      caps: env.caps,
      secrets: [],
    });
    expect(outcome.error?.kind).toBe("build");
    expect(outcome.error?.message).toMatch(
      /^Dockerfile:2: dockerfile parse error on line 2: unknown instruction: RUNN/,
    );
  });

  it("turns a wrong registry password into a clear push error, with the password nowhere", async () => {
    const wrong = `wrong-${nonce()}`;
    const cfg = await env.dockerConfig(wrong);
    const ctx = await env.context("badpush", `RUN echo ${nonce()} > /n`);
    const tag = `${testRepo("badpush")}:v1`;
    const lines: string[] = [];
    const outcome = await runBuildx(
      env.spec("badpush", ctx, { tags: [tag], push: true, output: undefined }),
      {
        docker: DOCKER,
        env: env.env(cfg),
        caps: env.caps,
        onLine: (_s, l) => lines.push(l),
        secrets: [wrong],
      },
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.kind).toBe("push");
    expect(outcome.error?.message).toBe(
      `push to ${tag} was refused: unauthorized (check the registry credentials for ${stack().registry})`,
    );
    expect(lines.join("\n")).not.toContain(wrong);
    expect(JSON.stringify(outcome)).not.toContain(wrong);
  });

  it("pushes an image index for linux/amd64 + linux/arm64 with a RUN step under QEMU", async () => {
    const cfg = await env.dockerConfig();
    const ctx = await env.context("multi", `RUN echo ${nonce()} && uname -m > /arch`);
    const tag = `${testRepo("multi")}:v1`;
    const outcome = await runBuildx(
      env.spec("multi", ctx, {
        tags: [tag],
        push: true,
        output: undefined,
        platforms: ["linux/amd64", "linux/arm64"],
      }),
      { docker: DOCKER, env: env.env(cfg), caps: env.caps, secrets: [stack().password] },
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.metadata?.isIndex).toBe(true);
    expect(outcome.steps).toEqual({ total: 2, cached: 0 });
    const raw = await run([DOCKER, "buildx", "imagetools", "inspect", "--raw", tag], { env: env.env(cfg) });
    const index = JSON.parse(raw.stdout.join("\n")) as {
      manifests: { platform?: { architecture: string } }[];
    };
    const arches = index.manifests.map((m) => m.platform?.architecture).filter((a) => a && a !== "unknown");
    expect(arches.sort()).toEqual(["amd64", "arm64"]);
  });

  it("writes an OCI layout that a second build can use as a named context", async () => {
    const ctx = await env.context("oci", `RUN echo ${nonce()} > /marker`);
    const dest = `${env.dir}/oci-out`;
    const outcome = await runBuildx(env.spec("oci", ctx, { output: { type: "oci-layout", dest } }), {
      docker: DOCKER,
      env: env.env(),
      caps: env.caps,
      secrets: [],
    });
    expect(outcome.ok).toBe(true);
    await access(`${dest}/index.json`);
    const check = await env.context("oci-check", "", `image`);
    const out = `${env.dir}/oci-check-out`;
    const result = await runBuildx(
      env.spec("oci-check", check, {
        buildContexts: { image: `oci-layout://${dest}@${outcome.metadata!.digest!}` },
        output: { type: "local", dest: out },
      }),
      { docker: DOCKER, env: env.env(), caps: env.caps, secrets: [] },
    );
    expect(result.error).toBeUndefined();
    await access(`${out}/marker`);
  });

  it("kills the build when the signal fires", async () => {
    const ctx = await env.context("abort", `RUN echo ${nonce()} && sleep 60`);
    const controller = new AbortController();
    const started = Date.now();
    const outcome = await runBuildx(env.spec("abort", ctx), {
      docker: DOCKER,
      env: env.env(),
      caps: env.caps,
      secrets: [],
      signal: controller.signal,
      onLine: (_s, line) => {
        if (line.includes("sleep 60")) controller.abort();
      },
    });
    expect(outcome.aborted).toBe(true);
    expect(outcome.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
