// Flags -> BuildRequest, the one function both binaries use (`submit` and `run`).
import { describe, expect, it } from "vitest";
import { parseBuildFlags } from "../../../common/build-request-flags.js";
import { UsageError, type FlagValues } from "../../../common/cli-flags.js";

describe("parseBuildFlags", () => {
  it.each([
    [{}, { request: { target: "worker" } }],
    [
      { ref: "v1", tag: ["a", "b"], platform: ["linux/arm64"], "build-arg": ["K=V=W", "E="] },
      {
        request: {
          target: "worker",
          ref: "v1",
          tags: ["a", "b"],
          platforms: ["linux/arm64"],
          buildArgs: { K: "V=W", E: "" },
        },
      },
    ],
    // Only what was asked for: a target with "push": false stays unpushed unless a flag says otherwise.
    [
      { "no-push": true, "no-smoke": true, "no-cache": true },
      { request: { target: "worker", push: false, smoke: false, noCache: true } },
    ],
    [{ context: "./ctx" }, { request: { target: "worker" }, context: "./ctx" }],
  ] as [FlagValues, unknown][])("%j", (values, expected) => {
    expect(parseBuildFlags("worker", values)).toEqual(expected);
  });

  it.each([
    ["Worker!", {}, '<target> "Worker!" is not valid'],
    ["w", { ref: "main", context: "." }, "--ref and --context cannot be used together"],
    ["w", { context: "" }, '--context "" is not a directory'],
    ["w", { ref: "a..b" }, '--ref "a..b" is not valid'],
    ["w", { tag: [".x"] }, '--tag ".x" is not valid'],
    ["w", { platform: ["amd64"] }, '--platform "amd64" is not valid'],
    ["w", { "build-arg": ["NOEQ"] }, '--build-arg "NOEQ" is not KEY=VALUE'],
    ["w", { "build-arg": ["1A=x"] }, '--build-arg "1A" is not valid'],
    ["w", { "build-arg": ["A=a\u0007"] }, "--build-arg A"],
    ["w", { tag: Array.from({ length: 33 }, (_, i) => `t${i}`) }, "--tag: at most 32 tags"],
  ] as [string, FlagValues, string][])("%s %j is a usage error: %s", (target, values, message) => {
    expect(() => parseBuildFlags(target, values)).toThrow(UsageError);
    expect(() => parseBuildFlags(target, values)).toThrow(message);
  });
});
