import { describe, expect, it } from "vitest";
import {
  formatImageRef,
  ImageRefError,
  imageName,
  manifestReference,
  parseImageRef,
  registryApiHost,
  type ImageRef,
} from "../../../builder/src/registry/image-ref.js";

const D = `sha256:${"ab".repeat(32)}`;

describe("parseImageRef", () => {
  const good: [string, ImageRef][] = [
    [
      "ghcr.io/ahelme/comfyume-worker:v1",
      { registry: "ghcr.io", repository: "ahelme/comfyume-worker", tag: "v1" },
    ],
    [`127.0.0.1:5001/ns/img@${D}`, { registry: "127.0.0.1:5001", repository: "ns/img", digest: D }],
    [
      `127.0.0.1:5001/ns/img:v1@${D}`,
      { registry: "127.0.0.1:5001", repository: "ns/img", tag: "v1", digest: D },
    ],
    ["ghcr.io/ahelme/comfyume-worker", { registry: "ghcr.io", repository: "ahelme/comfyume-worker" }],
    ["localhost/a/b:latest", { registry: "localhost", repository: "a/b", tag: "latest" }],
    ["localhost:5000/x:1.0_rc-2", { registry: "localhost:5000", repository: "x", tag: "1.0_rc-2" }],
    ["busybox:1", { registry: "docker.io", repository: "library/busybox", tag: "1" }],
    ["ahelme/comfyume:v0", { registry: "docker.io", repository: "ahelme/comfyume", tag: "v0" }],
    ["[::1]:5000/a/b:c", { registry: "[::1]:5000", repository: "a/b", tag: "c" }],
    ["ghcr.io/a/b__c/d.e-f--g:T", { registry: "ghcr.io", repository: "a/b__c/d.e-f--g", tag: "T" }],
  ];
  it.each(good)("parses %s", (text, want) => {
    expect(parseImageRef(text)).toEqual(want);
    expect(formatImageRef(parseImageRef(text))).toBe(
      text.startsWith("busybox") || text.startsWith("ahelme/")
        ? `docker.io/${want.repository}:${want.tag}`
        : text,
    );
  });

  const bad: [string, RegExp][] = [
    ["", /is empty/],
    ["-x/y:z", /starts with '-'/],
    ["ghcr.io/a/b:v 1", /spaces or control/],
    ["ghcr.io/a/b:v\n1", /spaces or control/],
    ["ghcr.io/A/b:v1", /path component "A"/],
    ["ghcr.io/a/b:.v1", /the tag ".v1"/],
    ["ghcr.io/a/b:", /the tag ""/],
    ["ghcr.io/a/b@sha256:abc", /not algorithm:hex|64 lower-case hex/],
    [`ghcr.io/a/b@sha256:${"AB".repeat(32)}`, /64 lower-case hex/],
    ["ghcr.io/a//b", /path component ""/],
    ["ghcr.io/a/../b", /path component ".."/],
    ["gh_cr.io:99/a", /registry host "gh_cr.io:99"/],
    [`ghcr.io/${"a".repeat(260)}`, /longer than 255/],
  ];
  it.each(bad)("rejects %j", (text, why) => {
    expect(() => parseImageRef(text)).toThrow(ImageRefError);
    expect(() => parseImageRef(text)).toThrow(why);
    expect(() => parseImageRef(text)).toThrow(/use host\/owner\/name/);
  });
});

describe("helpers", () => {
  it.each([
    [{ registry: "r", repository: "a/b", tag: "t" }, "t"],
    [{ registry: "r", repository: "a/b", tag: "t", digest: D }, D],
  ])("manifestReference(%j) = %s", (ref, want) => expect(manifestReference(ref)).toBe(want));

  it("manifestReference needs a tag or digest", () => {
    expect(() => manifestReference({ registry: "r", repository: "a" })).toThrow(
      /names neither a tag nor a digest/,
    );
  });

  it.each([
    ["docker.io", "registry-1.docker.io"],
    ["ghcr.io", "ghcr.io"],
    ["127.0.0.1:5001", "127.0.0.1:5001"],
  ])("registryApiHost(%s) = %s", (host, want) => expect(registryApiHost(host)).toBe(want));

  it.each([
    ["ghcr.io/ahelme/comfyume-worker:v1", "comfyume-worker"],
    ["127.0.0.1:5001/img", "img"],
  ])("imageName(%s) = %s", (text, want) => expect(imageName(parseImageRef(text))).toBe(want));
});
