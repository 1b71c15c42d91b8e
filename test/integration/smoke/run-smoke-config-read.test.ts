// runSmoke's fast paths on the real stack: the image config read in-process with the
// registry client (registryCredentials), the build started beside the config read, and
// checks that re-run on every call although the build no longer passes --no-cache.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SmokeSummary } from "../../../common/build-record.js";
import { SmokeError } from "../../../builder/src/smoke/errors.js";
import { runSmoke, type RunSmokeOptions } from "../../../builder/src/smoke/run-smoke.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";
import { BUSYBOX, stack } from "../../helpers/stack-env.js";
import { buildSmokeFixture, DOCKER, type SmokeFixture } from "./fixture-image.js";

let fx: SmokeFixture;
beforeAll(async () => {
  fx = await buildSmokeFixture();
});
afterAll(async () => {
  await fx?.cleanup();
});

const credentials = () => ({ username: stack().user, password: stack().password });

function smoke(file: string, overrides: Partial<RunSmokeOptions> = {}): Promise<SmokeSummary> {
  return runSmoke({
    file: file.startsWith("/") ? file : parseSmokeFile(file),
    image: { kind: "registry", ref: fx.ref },
    docker: DOCKER,
    env: fx.env,
    ...overrides,
  });
}

/** Everything but the timings and the containers' hostname, which differ from run to run. */
function outcome(summary: SmokeSummary) {
  return summary.results.map(({ name, kind, passed, message, output }) => ({
    name,
    kind,
    passed,
    message,
    output: output?.replace(/HOSTNAME=[0-9a-f]{12}/g, "HOSTNAME=<id>"),
  }));
}

describe("runSmoke config read and build", () => {
  it("gives the same results with the config read in-process as with imagetools", async () => {
    const file = path.resolve("test/fixtures/smoke/passing.yaml");
    const inProcess = await smoke(file, { registryCredentials: credentials });
    const imagetools = await smoke(file);
    expect(inProcess.results.filter((r) => !r.passed)).toEqual([]);
    expect(inProcess.results.at(-1)?.kind).toBe("metadata");
    expect(outcome(inProcess)).toEqual(outcome(imagetools));
  });

  it("reads the requested platform of a multi-platform index in-process", async () => {
    const summary = await smoke(
      `schemaVersion: "2.0.0"\ncommandTests: [{ name: m, command: uname, args: ["-m"], expectedOutput: ["^aarch64\\n$"] }]\nmetadataTest: { workdir: / }\n`,
      {
        image: { kind: "registry", ref: BUSYBOX() },
        platform: "linux/arm64",
        registryCredentials: () => undefined,
      },
    );
    expect(summary.results.filter((r) => !r.passed)).toEqual([]);
    expect(summary.passed).toBe(2);
  });

  const missing = () => ({ kind: "registry" as const, ref: fx.ref.replace("/fixture@", "/missing@") });
  it.each<[string, () => Partial<RunSmokeOptions>, string]>([
    [
      "wrong credentials, in-process",
      () => ({ registryCredentials: () => ({ username: "nobody", password: "not-the-password" }) }),
      "SMOKE_IMAGE_UNAUTHORIZED",
    ],
    ["no credentials, imagetools", () => ({ env: fx.anonymousEnv }), "SMOKE_IMAGE_UNAUTHORIZED"],
    [
      "a missing image, in-process",
      () => ({ registryCredentials: credentials, image: missing() }),
      "SMOKE_IMAGE_NOT_FOUND",
    ],
    ["a missing image, imagetools", () => ({ image: missing() }), "SMOKE_IMAGE_NOT_FOUND"],
  ])("reports the config read's failure, not the build's, for %s", async (_what, overrides, code) => {
    // A command test without $VAR: the build runs beside the config read.
    const error = await smoke(`schemaVersion: "2.0.0"\ncommandTests: [{ name: t, command: "true" }]\n`, {
      ...overrides(),
      secrets: ["not-the-password"],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmokeError);
    expect((error as SmokeError).code).toBe(code);
  });

  it("re-runs every check on every call (nothing is answered from the build cache)", async () => {
    const file = `schemaVersion: "2.0.0"\ncommandTests: [{ name: uuid, command: cat, args: [/proc/sys/kernel/random/uuid] }]\n`;
    const first = await smoke(file, { registryCredentials: credentials });
    const second = await smoke(file, { registryCredentials: credentials });
    expect(first.results[0]?.output).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(second.results[0]?.output).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(second.results[0]?.output).not.toBe(first.results[0]?.output);
  });
});
