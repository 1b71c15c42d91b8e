// BuildKit is the oracle for "a build arg is consumed": the builder's reading of the
// Dockerfile (findUnconsumedBuildArgs) must agree with whether changing the arg's value makes
// BuildKit re-run a step. buildx 0.13.1 itself prints no warning for an unconsumed arg and
// writes none to --metadata-file, which is checked here too.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUnconsumedBuildArgs } from "../../../builder/src/buildx/dockerfile-args.js";
import { run } from "../../../builder/src/process/spawn.js";
import { BUSYBOX } from "../../helpers/stack-env.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "build-args-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Builds with X=value; returns buildx's output, and whether a step of this Dockerfile ran. */
async function build(dockerfile: string, value: string, target: string | null, marker: string) {
  const file = path.join(dir, `Dockerfile-${marker}`);
  await writeFile(file, dockerfile);
  const meta = path.join(dir, `meta-${marker}-${value}.json`);
  const r = await run(
    [
      "/usr/bin/docker",
      "buildx",
      "build",
      "--progress=plain",
      "-f",
      file,
      "--build-arg",
      `X=${value}`,
      ...(target ? ["--target", target] : []),
      "--metadata-file",
      meta,
      "-o",
      "type=cacheonly",
      dir,
    ],
    { keepLines: 400 },
  );
  const out = r.stderr.join("\n");
  if (r.exitCode !== 0) throw new Error(`build failed: ${out}`);
  return {
    out,
    ran: new RegExp(`^#\\d+ [0-9.]+ ran-${marker}`, "m").test(out),
    meta: await readFile(meta, "utf8"),
  };
}

const cases: [string, (m: string) => string, string | null][] = [
  ["declared where it is used", (m) => `FROM ${BUSYBOX()}\nARG X\nRUN echo ran-${m}\n`, null],
  ["never declared", (m) => `FROM ${BUSYBOX()}\nRUN echo ran-${m}\n`, null],
  [
    "declared in a stage the target does not need",
    (m) =>
      `FROM ${BUSYBOX()} AS one\nARG X\nRUN echo ran-${m}\nFROM ${BUSYBOX()} AS two\nRUN echo ran-${m}-two\n`,
    null,
  ],
  [
    "declared in a stage the target copies from",
    (m) =>
      `FROM ${BUSYBOX()} AS one\nARG X\nRUN echo ran-${m} && echo x > /f\nFROM ${BUSYBOX()} AS two\nCOPY --from=one /f /f\n`,
    null,
  ],
  [
    "declared in the --target stage",
    (m) => `FROM ${BUSYBOX()} AS one\nARG X\nRUN echo ran-${m}\nFROM ${BUSYBOX()} AS two\n`,
    "one",
  ],
];

describe("build args against BuildKit", () => {
  it.each(cases)("%s: the builder's verdict is BuildKit's", async (_what, make, target) => {
    const marker = randomUUID().slice(0, 8);
    const dockerfile = make(marker);
    await build(dockerfile, "first", target, marker);
    const second = await build(dockerfile, "second", target, marker);
    const unconsumed = findUnconsumedBuildArgs(dockerfile, ["X"], target);
    // Consumed <=> a new value re-runs a step (ARG values are in the environment of every later RUN).
    expect(unconsumed.length === 0, second.out).toBe(second.ran);
    // buildx says nothing either way: no warning line, no warning in the metadata.
    expect(second.out).not.toMatch(/were not consumed|not consumed/i);
    expect(second.meta).not.toMatch(/warning/i);
  });
});

describe("an unconsumed build arg on the record", () => {
  it("is a warning on the record and in the log, and the build still succeeds", async () => {
    const { createBuilderFixture, startBuilder } = await import("../../helpers/builder-server.js");
    const fx = await createBuilderFixture();
    const b = await startBuilder(fx);
    try {
      const res = await fetch(`${b.url}/v1/builds?wait=true`, {
        method: "POST",
        headers: { ...b.api, "content-type": "application/json" },
        body: JSON.stringify({
          target: "quick",
          push: false,
          buildArgs: { NONCE: randomUUID(), COMFYUI_VERSION: "v0.11.0" },
        }),
      });
      const record = (await res.json()) as { id: string; status: string; warnings?: string[] };
      expect(record.status).toBe("succeeded");
      expect(record.warnings).toEqual([
        "build arg COMFYUI_VERSION is not declared by an ARG in quick/Dockerfile where this build uses it, so it changes nothing",
      ]);
      const log = await (await fetch(`${b.url}/v1/builds/${record.id}/logs`, { headers: b.read })).text();
      expect(log).toContain("warning: build arg COMFYUI_VERSION is not declared");
    } finally {
      await b.stop();
      await fx.cleanup();
    }
  });
});
