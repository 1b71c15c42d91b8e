import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BuildxError } from "../../../builder/src/buildx/errors.js";
import { parseBuildxMetadata } from "../../../builder/src/buildx/metadata.js";
import {
  isBuildxAtLeast,
  parseBuildxInspect,
  parseBuildxVersion,
  parseContainerdStore,
} from "../../../builder/src/buildx/version.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/buildx/${name}`, import.meta.url), "utf8");

describe("parseBuildxVersion", () => {
  const table: [string, [number, number, number, string]][] = [
    [fixture("version.txt"), [0, 13, 1, "0.13.1+ds1"]],
    ["github.com/docker/buildx v0.19.3 48d6a39", [0, 19, 3, "0.19.3"]],
    ["github.com/docker/buildx v0.12.0-rc1 abc", [0, 12, 0, "0.12.0-rc1"]],
    ["github.com/docker/buildx 1.0.0 deadbeef", [1, 0, 0, "1.0.0"]],
  ];
  for (const [text, [major, minor, patch, raw]] of table) {
    it(text.trim(), () => expect(parseBuildxVersion(text)).toEqual({ major, minor, patch, raw }));
  }
  it("rejects text without a version", () => {
    expect(() => parseBuildxVersion("docker: 'buildx' is not a docker command.")).toThrow(BuildxError);
  });
  it("compares versions", () => {
    const v = parseBuildxVersion("github.com/docker/buildx v0.13.1 x");
    expect([
      isBuildxAtLeast(v, 0, 12),
      isBuildxAtLeast(v, 0, 13),
      isBuildxAtLeast(v, 0, 14),
      isBuildxAtLeast(v, 1, 0),
    ]).toEqual([true, true, false, false]);
  });
});

describe("parseBuildxInspect", () => {
  it("reads the captured default builder", () => {
    expect(parseBuildxInspect(fixture("inspect-default.txt"))).toEqual({
      name: "default",
      driver: "docker",
      platforms: ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/amd64/v4", "linux/arm64"],
      status: "running",
    });
  });
  it("reads the status of an unreachable remote builder (buildx 0.13.1 prints it and exits 0)", () => {
    const text =
      "Name:          rtest\nDriver:        remote\nLast Activity: 2026-11-26 12:44:25 +0000 UTC\n\nNodes:\nName:     rtest0\nEndpoint: tcp://127.0.0.1:1\nStatus:   inactive\n";
    expect(parseBuildxInspect(text)).toEqual({
      name: "rtest",
      driver: "remote",
      platforms: [],
      status: "inactive",
    });
  });
  it("reads a remote builder and strips the '*' of configured platforms", () => {
    const text =
      "Name:          bk\nDriver:        remote\nNodes:\nName:      bk0\nEndpoint:  tcp://10.0.0.2:1234\nPlatforms: linux/amd64*, linux/arm64\n";
    expect(parseBuildxInspect(text)).toEqual({
      name: "bk",
      driver: "remote",
      platforms: ["linux/amd64", "linux/arm64"],
    });
  });
  it("rejects unrelated text", () => {
    expect(() => parseBuildxInspect('ERROR: no builder "x" found')).toThrow(/could not read a builder name/);
  });
});

describe("parseContainerdStore", () => {
  it.each([
    ['[["driver-type","io.containerd.snapshotter.v1"]]', true],
    [
      '[["Backing Filesystem","extfs"],["Supports d_type","true"],["Using metacopy","false"],["Native Overlay Diff","true"],["userxattr","false"]]',
      false,
    ],
  ])("%s", (text, expected) => expect(parseContainerdStore(text)).toBe(expected));
});

describe("parseBuildxMetadata", () => {
  it("reads a pushed build's metadata (an index, because of the provenance attestation)", () => {
    expect(parseBuildxMetadata(fixture("metadata-push.json"))).toEqual({
      digest: "sha256:a9e5f8d6d90acb7863d95f28d4df2d99ac45e0a9f7c60e466d12952d58b8ce7c",
      descriptor: {
        mediaType: "application/vnd.oci.image.index.v1+json",
        digest: "sha256:a9e5f8d6d90acb7863d95f28d4df2d99ac45e0a9f7c60e466d12952d58b8ce7c",
        size: 856,
      },
      imageNames: ["127.0.0.1:5001/h1/cap:one"],
      buildRef: "default/default/kb9dhvsa7ztgvzrsrt15mp500",
      isIndex: true,
    });
  });
  it("reads an OCI-layout build's metadata (a single manifest, no image name)", () => {
    const m = parseBuildxMetadata(fixture("metadata-oci.json"));
    expect(m.isIndex).toBe(false);
    expect(m.imageNames).toEqual([]);
    expect(m.digest).toBe("sha256:804c5e5c6e492b18048193c3d668bf488cb8555887c4716df226e96422dd77a4");
  });
  it("splits several image names", () => {
    expect(parseBuildxMetadata('{"image.name":"r/a:1,r/a:2"}').imageNames).toEqual(["r/a:1", "r/a:2"]);
  });
  it.each([
    ["not json", /not JSON/],
    ['{"containerimage.digest":"md5:abc"}', /containerimage.digest: a digest is sha256/],
    ['{"containerimage.descriptor":{"digest":"sha256:' + "a".repeat(64) + '"}}', /containerimage.descriptor/],
  ])("rejects %s", (text, message) => {
    expect(() => parseBuildxMetadata(text)).toThrow(message);
  });
});
