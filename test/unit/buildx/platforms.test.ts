import { describe, expect, it } from "vitest";
import { findUnsupportedPlatforms, normalizePlatform } from "../../../builder/src/buildx/platforms.js";

describe("normalizePlatform (containerd's platforms.Normalize rules)", () => {
  it.each([
    ["linux/amd64", "linux/amd64"],
    ["linux/x86_64", "linux/amd64"],
    ["linux/x86-64", "linux/amd64"],
    ["linux/amd64/v1", "linux/amd64"],
    ["linux/amd64/v3", "linux/amd64/v3"],
    ["linux/aarch64", "linux/arm64"],
    ["linux/arm64/v8", "linux/arm64"],
    ["linux/arm64/8", "linux/arm64"],
    ["linux/arm", "linux/arm/v7"],
    ["linux/arm/7", "linux/arm/v7"],
    ["linux/arm/v6", "linux/arm/v6"],
    ["linux/armhf", "linux/arm/v7"],
    ["linux/armel", "linux/arm/v6"],
    ["linux/i386", "linux/386"],
    ["Linux/RISCV64", "linux/riscv64"],
  ])("%s -> %s", (input, want) => expect(normalizePlatform(input)).toBe(want));
});

describe("findUnsupportedPlatforms", () => {
  const builder = ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/arm64", "linux/arm/v7"];
  it.each([
    { requested: ["linux/amd64", "linux/arm64"], want: [] },
    { requested: ["linux/aarch64", "linux/arm"], want: [] },
    { requested: ["linux/riscv64"], want: ["linux/riscv64"] },
    { requested: ["linux/amd64", "linux/arm/v6", "linux/s390x"], want: ["linux/arm/v6", "linux/s390x"] },
    { requested: ["linux/amd64/v4"], want: ["linux/amd64/v4"] },
  ])("$requested -> $want", ({ requested, want }) =>
    expect(findUnsupportedPlatforms(requested, builder)).toEqual(want),
  );
  it("refuses nothing when the builder listed no platforms", () => {
    expect(findUnsupportedPlatforms(["linux/riscv64"], [])).toEqual([]);
  });
});
