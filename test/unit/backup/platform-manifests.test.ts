import { describe, expect, it } from "vitest";
import {
  parsePlatform,
  selectPlatform,
  type Descriptor,
} from "../../../builder/src/backup/platform-manifests.js";
import { OCI_MANIFEST } from "../../../builder/src/registry/media-types.js";

const m = (digest: string, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest,
  size: 1,
  platform: { os, architecture, ...(variant && { variant }) },
});
const attestation: Descriptor = {
  ...m("att", "unknown", "unknown"),
  annotations: { "vnd.docker.reference.type": "attestation-manifest" },
};

describe("selectPlatform", () => {
  const index = [
    m("amd", "linux", "amd64"),
    m("armv8", "linux", "arm64", "v8"),
    m("armv7", "linux", "arm", "v7"),
    attestation,
  ];
  it.each([
    ["linux/amd64", "amd"],
    ["linux/arm64", "armv8"],
    ["linux/arm64/v8", "armv8"],
    ["linux/arm/v7", "armv7"],
    ["linux/arm/v6", undefined],
    ["linux/s390x", undefined],
    ["unknown/unknown", "att"],
  ])("%s -> %s", (platform, want) =>
    expect(selectPlatform(index, parsePlatform(platform))?.digest).toBe(want),
  );

  it("prefers an entry without a variant when none is asked for", () =>
    expect(
      selectPlatform(
        [m("v8", "linux", "arm64", "v8"), m("plain", "linux", "arm64")],
        parsePlatform("linux/arm64"),
      )?.digest,
    ).toBe("plain"));

  it("ignores entries that are not image manifests", () =>
    expect(
      selectPlatform(
        [{ ...m("idx", "linux", "amd64"), mediaType: "application/vnd.oci.image.index.v1+json" }],
        parsePlatform("linux/amd64"),
      ),
    ).toBeUndefined());
});

describe("parsePlatform", () => {
  it.each([
    ["linux/amd64", { os: "linux", architecture: "amd64" }],
    ["linux/arm/v7", { os: "linux", architecture: "arm", variant: "v7" }],
  ])("%s", (text, want) => expect(parsePlatform(text)).toEqual(want));
  it.each(["linux", "linux/", "linux/arm/", "a/b/c/d", ""])("rejects %j", (text) =>
    expect(() => parsePlatform(text)).toThrow(/is not os\/arch\[\/variant\]/),
  );
});
