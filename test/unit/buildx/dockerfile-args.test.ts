// Which --build-arg values a Dockerfile consumes (builder/src/buildx/dockerfile-args.ts). The
// integration test test/integration/buildx/build-args.test.ts checks the same verdicts
// against BuildKit itself; these tables cover the Dockerfile syntax.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findUnconsumedBuildArgs } from "../../../builder/src/buildx/dockerfile-args.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");

describe("findUnconsumedBuildArgs", () => {
  it.each([
    ["declared in the only stage", "FROM a\nARG X\nRUN echo $X\n", ["X"], null, []],
    ["never declared", "FROM a\nRUN echo $X\n", ["X"], null, ["X"]],
    ["declared before FROM (usable in FROM)", "ARG BASE=a\nFROM $BASE\n", ["BASE"], null, []],
    [
      "several names on one ARG, with values",
      'FROM a\nARG A=1 B C="x y"\n',
      ["A", "B", "C", "D"],
      null,
      ["D"],
    ],
    ["declared on a continued line", "FROM a\nRUN echo hi && \\\n    true\nARG \\\n  X=1\n", ["X"], null, []],
    ["with the backtick escape directive", "# escape=`\nFROM a\nARG `\n  X\n", ["X"], null, []],
    ["in a stage the target does not need", "FROM a AS one\nARG X\nFROM b AS two\n", ["X"], null, ["X"]],
    [
      "in a stage the target copies from",
      "FROM a AS one\nARG X\nFROM b\nCOPY --from=one /x /x\n",
      ["X"],
      null,
      [],
    ],
    ["in a stage the target is built FROM", "FROM a AS base\nARG X\nFROM base\n", ["X"], null, []],
    [
      "in a stage a RUN mounts from",
      "FROM a AS src\nARG X\nFROM b\nRUN --mount=type=bind,from=src,target=/s true\n",
      ["X"],
      null,
      [],
    ],
    [
      "in a stage named by --target",
      "FROM a AS one\nARG X\nFROM b AS two\nARG Y\n",
      ["X", "Y"],
      "one",
      ["Y"],
    ],
    ["only in a heredoc body", "FROM a\nRUN <<EOF\nARG X\nEOF\n", ["X"], null, ["X"]],
    [
      "predefined proxy and BuildKit args",
      "FROM a\n",
      ["HTTP_PROXY", "no_proxy", "BUILDKIT_INLINE_CACHE", "SOURCE_DATE_EPOCH"],
      null,
      [],
    ],
    ["in a comment only", "FROM a\n# ARG X\n", ["X"], null, ["X"]],
    ["case-insensitive instructions and stage names", "from a as Base\narg X\nFROM base\n", ["X"], null, []],
  ])("%s", (_what, dockerfile, args, target, expected) => {
    expect(findUnconsumedBuildArgs(dockerfile, args, target)).toEqual(expected);
  });

  it("finds COMFYUI_VERSION unconsumed by comfyume-v1's worker Dockerfile shape, and COMFYUI_REF consumed by Dockerfile.worker", () => {
    // comfyume-v1's comfyui-worker/Dockerfile sets the version as ENV, with no ARG at all.
    const platform =
      "FROM nvidia/cuda:12.4.0-runtime-ubuntu22.04\nENV COMFYUI_VERSION=v0.11.0\nRUN git clone --branch v0.11.0 x\n";
    expect(findUnconsumedBuildArgs(platform, ["COMFYUI_VERSION"])).toEqual(["COMFYUI_VERSION"]);
    const worker = readFileSync(path.join(ROOT, "Dockerfile.worker"), "utf8");
    expect(
      findUnconsumedBuildArgs(worker, ["COMFYUI_REF", "TORCH_VERSION", "PIP_INDEX_URL", "COMFYUI_VERSION"]),
    ).toEqual(["COMFYUI_VERSION"]);
  });
});
