// `comfyume-builder smoke` as a user runs it: credentials from `docker login`'s config
// when the builder config names none, and SPEC §6's exit codes with a one-line reason,
// never a stack trace.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuilderCli } from "../../helpers/builder-cli.js";
import { stack } from "../../helpers/stack-env.js";
import { buildSmokeFixture, type SmokeFixture } from "./fixture-image.js";

let fx: SmokeFixture;
let dir: string;
let env: NodeJS.ProcessEnv;
const PASSING = path.resolve("test/fixtures/smoke/passing.yaml");

beforeAll(async () => {
  fx = await buildSmokeFixture();
  dir = await mkdtemp(path.join(os.tmpdir(), "cb-smoke-cli-"));
  // A builder config that names no registry: credentials must come from DOCKER_CONFIG.
  await writeFile(path.join(dir, "builder.config.json"), JSON.stringify({ sources: {}, targets: {} }));
  env = {
    ...process.env,
    BUILDER_CONFIG: path.join(dir, "builder.config.json"),
    BUILDER_DATA_DIR: path.join(dir, "data"),
    BUILDER_CACHE_DIR: path.join(dir, "cache"),
    BUILDER_DOCKER: "/usr/bin/docker",
    DOCKER_CONFIG: fx.env.DOCKER_CONFIG,
  };
});
afterAll(async () => {
  await fx?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function smoke(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return runBuilderCli(["smoke", ...args], { env: { ...env, ...extraEnv } });
}

describe("comfyume-builder smoke", () => {
  it("uses `docker login` credentials from DOCKER_CONFIG and exits 0 when every test passes", async () => {
    const junit = path.join(dir, "junit.xml");
    const result = await smoke([fx.ref, "--file", PASSING, "--junit", junit]);
    expect(result.stderr).toContain("9 passed, 0 failed");
    expect(result.code).toBe(0);
  });

  it("exits 3 when a test fails", async () => {
    const file = path.join(dir, "failing.yaml");
    await writeFile(file, 'schemaVersion: "2.0.0"\nmetadataTest: {user: root}\n');
    const result = await smoke([fx.ref, "--file", file]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("FAIL Metadata Test");
  });

  it("exits 5 with a one-line reason when the registry refuses, never a stack trace", async () => {
    const emptyConfig = path.join(dir, "empty-docker-config");
    await mkdir(emptyConfig, { recursive: true });
    await writeFile(path.join(emptyConfig, "config.json"), "{}");
    const result = await smoke([fx.ref, "--file", PASSING], { DOCKER_CONFIG: emptyConfig });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^comfyume-builder smoke: the registry refused access to /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 5 when the registry is unreachable", async () => {
    const result = await smoke([`127.0.0.1:1/none/img@sha256:${"a".repeat(64)}`, "--file", PASSING]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("could not reach the registry");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [
      "an invalid smoke file",
      ["--file", "test/fixtures/smoke/semantics/Dockerfile.scratch"],
      /is not a valid smoke file/,
    ],
    ["a smoke file that does not exist", ["--file", "/nonexistent.yaml"], /could not read the smoke file/],
  ])("exits 2 for %s", async (_what, args, message) => {
    const result = await smoke([fx.ref, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 for an image reference that is not one", async () => {
    const result = await smoke(["-not-an-image", "--file", PASSING]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("prefers the config's registries over DOCKER_CONFIG", async () => {
    const s = stack();
    await writeFile(
      path.join(dir, "with-registry.json"),
      JSON.stringify({
        sources: {},
        targets: {},
        registries: { [s.registry]: { usernameEnv: "SMOKE_USER", passwordEnv: "SMOKE_PASSWORD" } },
      }),
    );
    const result = await smoke([fx.ref, "--file", PASSING], {
      BUILDER_CONFIG: path.join(dir, "with-registry.json"),
      SMOKE_USER: s.user,
      SMOKE_PASSWORD: "wrong-password",
    });
    expect(result.code).toBe(5);
  });
});
