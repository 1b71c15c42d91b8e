import { describe, expect, it } from "vitest";
import { buildBuildxArgs, type BuildxSpec } from "../../../builder/src/buildx/argv.js";
import { BuildxError } from "../../../builder/src/buildx/errors.js";
import type { BuildxCapabilities } from "../../../builder/src/buildx/version.js";

const caps = (
  raw = "0.13.1",
  driver: BuildxCapabilities["builder"]["driver"] = "docker",
  containerdStore: boolean | null = true,
): BuildxCapabilities => {
  const [major, minor, patch] = raw.split(".").map(Number) as [number, number, number];
  return {
    version: { major, minor, patch, raw },
    // As `docker buildx inspect` lists them on the stack (QEMU registers arm64).
    builder: { name: "default", driver, platforms: ["linux/amd64", "linux/amd64/v2", "linux/arm64"] },
    containerdStore,
  };
};

const base: BuildxSpec = {
  contextDir: "/src/ctx",
  dockerfile: "/src/ctx/Dockerfile",
  tags: ["127.0.0.1:5001/ns/img:v1"],
  platforms: ["linux/amd64"],
  buildArgs: {},
  buildContexts: {},
  secrets: [],
  metadataFile: "/tmp/b/meta.json",
  noCache: false,
  push: true,
  progress: "plain",
};

const head = [
  "buildx",
  "build",
  "--progress",
  "plain",
  "--metadata-file",
  "/tmp/b/meta.json",
  "--file",
  "/src/ctx/Dockerfile",
];

describe("buildBuildxArgs", () => {
  const cases: { name: string; spec: Partial<BuildxSpec>; caps?: BuildxCapabilities; argv: string[] }[] = [
    {
      name: "minimal push",
      spec: {},
      argv: [
        ...head,
        "--platform",
        "linux/amd64",
        "--tag",
        "127.0.0.1:5001/ns/img:v1",
        "--push",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "named builder, two platforms, two tags, sorted build args",
      spec: {
        builder: "remote-bk",
        platforms: ["linux/amd64", "linux/arm64"],
        tags: ["r/ns/img:a", "r/ns/img:b"],
        buildArgs: { Z: "last", A: "a value with spaces", EMPTY: "" },
      },
      argv: [
        "buildx",
        "build",
        "--builder",
        "remote-bk",
        ...head.slice(2),
        "--platform",
        "linux/amd64,linux/arm64",
        "--tag",
        "r/ns/img:a",
        "--tag",
        "r/ns/img:b",
        "--build-arg",
        "A=a value with spaces",
        "--build-arg",
        "EMPTY=",
        "--build-arg",
        "Z=last",
        "--push",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "contexts, secrets (env only), labels, stage, no-cache",
      spec: {
        buildContexts: {
          "nvidia/cuda:12.4.0-runtime-ubuntu22.04": "docker-image://127.0.0.1:5000/stand-in/cuda:12.4",
        },
        secrets: [{ id: "hf_token", env: "HF_TOKEN" }],
        labels: { "org.opencontainers.image.revision": "abc" },
        stage: "runtime",
        noCache: true,
      },
      argv: [
        ...head,
        "--platform",
        "linux/amd64",
        "--tag",
        "127.0.0.1:5001/ns/img:v1",
        "--build-context",
        "nvidia/cuda:12.4.0-runtime-ubuntu22.04=docker-image://127.0.0.1:5000/stand-in/cuda:12.4",
        "--secret",
        "id=hf_token,env=HF_TOKEN",
        "--label",
        "org.opencontainers.image.revision=abc",
        "--target",
        "runtime",
        "--no-cache",
        "--push",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "local cache in and out, registry cache",
      spec: { cacheFrom: "/c/.tmp/w-read-1", cacheTo: "/c/.tmp/w-1", cacheRegistryRef: "ghcr.io/a/cache:w" },
      argv: [
        ...head,
        "--platform",
        "linux/amd64",
        "--tag",
        "127.0.0.1:5001/ns/img:v1",
        "--cache-from",
        "type=local,src=/c/.tmp/w-read-1",
        "--cache-from",
        "type=registry,ref=ghcr.io/a/cache:w",
        "--cache-to",
        "type=local,dest=/c/.tmp/w-1,mode=max",
        "--cache-to",
        "type=registry,ref=ghcr.io/a/cache:w,mode=max",
        "--push",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "no-cache skips the import but keeps the export",
      spec: { cacheFrom: "/c/a", cacheTo: "/c/b", noCache: true },
      argv: [
        ...head,
        "--platform",
        "linux/amd64",
        "--tag",
        "127.0.0.1:5001/ns/img:v1",
        "--no-cache",
        "--cache-to",
        "type=local,dest=/c/b,mode=max",
        "--push",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "oci-layout output without push, no tags",
      spec: { push: false, tags: [], output: { type: "oci-layout", dest: "/tmp/b/oci" } },
      argv: [
        ...head,
        "--platform",
        "linux/amd64",
        "--output",
        "type=oci,dest=/tmp/b/oci,tar=false",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "image output, rawjson, provenance off",
      spec: { push: false, output: { type: "image" }, progress: "rawjson", provenance: false },
      argv: [
        "buildx",
        "build",
        "--progress",
        "rawjson",
        ...head.slice(4),
        "--platform",
        "linux/amd64",
        "--tag",
        "127.0.0.1:5001/ns/img:v1",
        "--provenance=false",
        "--output",
        "type=image",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "max provenance on a remote builder without containerd question",
      spec: { provenance: "max", platforms: ["linux/amd64", "linux/arm64"] },
      caps: caps("0.13.1", "remote", null),
      argv: [
        ...head,
        "--platform",
        "linux/amd64,linux/arm64",
        "--tag",
        "127.0.0.1:5001/ns/img:v1",
        "--provenance=mode=max",
        "--push",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "push by digest on a non-docker driver: no tag, push-by-digest",
      spec: { push: false, tags: [], pushByDigest: "127.0.0.1:5001/ns/img" },
      caps: caps("0.13.1", "docker-container", null),
      argv: [
        ...head,
        "--platform",
        "linux/amd64",
        "--output",
        "type=image,name=127.0.0.1:5001/ns/img,push-by-digest=true,name-canonical=true,push=true",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "push by digest on the docker driver (buildx refuses push-by-digest there): the staging tag",
      spec: { push: false, tags: [], pushByDigest: "ghcr.io/ahelme/comfyume-worker" },
      argv: [
        ...head,
        "--platform",
        "linux/amd64",
        "--output",
        "type=image,name=ghcr.io/ahelme/comfyume-worker:comfyume-builder-staging,push=true",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "platform aliases match the builder's list (aarch64 = arm64/v8 = arm64)",
      spec: { platforms: ["linux/aarch64", "linux/arm64/v8", "linux/x86_64"] },
      argv: [
        ...head,
        "--platform",
        "linux/aarch64,linux/arm64/v8,linux/x86_64",
        "--tag",
        "127.0.0.1:5001/ns/img:v1",
        "--push",
        "--",
        "/src/ctx",
      ],
    },
    {
      name: "a context path that looks like an option is still the positional argument",
      spec: { contextDir: "/src/-rm" },
      argv: [
        ...head,
        "--platform",
        "linux/amd64",
        "--tag",
        "127.0.0.1:5001/ns/img:v1",
        "--push",
        "--",
        "/src/-rm",
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(buildBuildxArgs({ ...base, ...c.spec }, c.caps ?? caps())).toEqual(c.argv);
    });
  }

  const rejected: {
    name: string;
    spec: Partial<BuildxSpec>;
    caps?: BuildxCapabilities;
    code: string;
    message: RegExp;
  }[] = [
    {
      name: "relative context",
      spec: { contextDir: "ctx" },
      code: "BUILDX_INVALID_SPEC",
      message: /contextDir must be an absolute path, got "ctx"/,
    },
    {
      name: "tag that is an option",
      spec: { tags: ["--output=type=local,dest=/"] },
      code: "BUILDX_INVALID_SPEC",
      message: /must not start with '-'/,
    },
    {
      name: "control character in a build arg",
      spec: { buildArgs: { A: "x\ny" } },
      code: "BUILDX_INVALID_SPEC",
      message: /build-arg A/,
    },
    {
      name: "bad build arg name",
      spec: { buildArgs: { "A=B": "x" } },
      code: "BUILDX_INVALID_SPEC",
      message: /build-arg name "A=B"/,
    },
    {
      name: "comma in a cache dir",
      spec: { cacheTo: "/c/x,dest=/etc" },
      code: "BUILDX_INVALID_SPEC",
      message: /buildx parses it as CSV/,
    },
    {
      name: "secret env not a name",
      spec: { secrets: [{ id: "a", env: "A B" }] },
      code: "BUILDX_INVALID_SPEC",
      message: /secret env "A B"/,
    },
    {
      name: "push with an output",
      spec: { output: { type: "image" } },
      code: "BUILDX_INVALID_SPEC",
      message: /push and output "image" are exclusive/,
    },
    {
      name: "push without tags",
      spec: { tags: [] },
      code: "BUILDX_INVALID_SPEC",
      message: /at least one tag/,
    },
    {
      name: "a platform the builder does not list",
      spec: { platforms: ["linux/amd64", "linux/riscv64"] },
      code: "BUILDX_UNSUPPORTED_PLATFORM",
      message:
        /^platform "linux\/riscv64" is not supported by the buildx builder "default" \(docker driver\), which builds linux\/amd64, linux\/amd64\/v2, linux\/arm64;/,
    },
    {
      name: "push by digest with tags",
      spec: { push: false, pushByDigest: "r/ns/img" },
      code: "BUILDX_INVALID_SPEC",
      message: /pushByDigest pushes without tags/,
    },
    {
      name: "push by digest to a tagged name",
      spec: { push: false, tags: [], pushByDigest: "r/ns/img:v1" },
      code: "BUILDX_INVALID_SPEC",
      message: /must be a repository without a tag or digest/,
    },
    {
      name: "push by digest to a name buildx would read as more CSV",
      spec: { push: false, tags: [], pushByDigest: "r/ns/img,push=false" },
      code: "BUILDX_INVALID_SPEC",
      message: /buildx parses it as CSV/,
    },
    {
      name: "bad platform",
      spec: { platforms: ["linux amd64"] },
      code: "BUILDX_INVALID_SPEC",
      message: /platform "linux amd64"/,
    },
    {
      name: "builder name with a slash",
      spec: { builder: "a/b" },
      code: "BUILDX_INVALID_SPEC",
      message: /not a builder name/,
    },
    {
      name: "rawjson on buildx 0.11",
      spec: { progress: "rawjson" },
      caps: caps("0.11.2"),
      code: "BUILDX_UNSUPPORTED",
      message: /--progress=rawjson needs buildx 0.12 or newer, but this buildx is 0.11.2/,
    },
    {
      name: "provenance on buildx 0.9",
      spec: { provenance: false },
      caps: caps("0.9.1"),
      code: "BUILDX_UNSUPPORTED",
      message: /--provenance needs buildx 0.10/,
    },
    {
      name: "build contexts on buildx 0.7",
      spec: { buildContexts: { a: "docker-image://x/y" } },
      caps: caps("0.7.1"),
      code: "BUILDX_UNSUPPORTED",
      message: /--build-context needs buildx 0.8/,
    },
    {
      name: "cache export on the docker driver without containerd store",
      spec: { cacheTo: "/c/b" },
      caps: caps("0.13.1", "docker", false),
      code: "BUILDX_CONTAINERD_STORE_REQUIRED",
      message: /containerd image store/,
    },
    {
      name: "multi-platform on the docker driver without containerd store",
      spec: { platforms: ["linux/amd64", "linux/arm64"] },
      caps: caps("0.13.1", "docker", false),
      code: "BUILDX_CONTAINERD_STORE_REQUIRED",
      message: /multi-platform/,
    },
  ];
  for (const c of rejected) {
    it(`rejects: ${c.name}`, () => {
      let error: unknown;
      try {
        buildBuildxArgs({ ...base, ...c.spec }, c.caps ?? caps());
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(BuildxError);
      expect((error as BuildxError).code).toBe(c.code);
      expect((error as BuildxError).message).toMatch(c.message);
    });
  }

  it("never puts a secret value in argv (only the env var name)", () => {
    const argv = buildBuildxArgs({ ...base, secrets: [{ id: "tok", env: "MY_TOKEN" }] }, caps());
    expect(argv).toContain("id=tok,env=MY_TOKEN");
    expect(argv.join(" ")).not.toMatch(/src=|=.*secret-value/);
  });
});
