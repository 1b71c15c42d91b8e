import { describe, expect, it } from "vitest";
import { classifyDockerFailure, unresolvedUser } from "../../../builder/src/smoke/docker-errors.js";
import {
  describeImageSource,
  parseImageSource,
  type SmokeImageSource,
} from "../../../builder/src/smoke/image-source.js";
import type { SmokeError } from "../../../builder/src/smoke/errors.js";
import { buildSmokeBuildArgv, runSmoke } from "../../../builder/src/smoke/run-smoke.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";

const DIGEST = `sha256:${"c".repeat(64)}`;

describe("buildSmokeBuildArgv", () => {
  const base = {
    docker: "/usr/bin/docker",
    dockerfile: "/t/Dockerfile",
    contextDir: "/t/context",
    outputDir: "/t/out",
  };
  it.each([
    [
      "defaults",
      { ...base, buildContexts: {} },
      [
        "buildx",
        "build",
        "--progress=plain",
        "--file",
        "/t/Dockerfile",
        "--output",
        "type=local,dest=/t/out",
        "/t/context",
      ],
    ],
    [
      "builder, platform, hostname and an OCI layout context",
      {
        ...base,
        builder: "remote",
        platform: "linux/arm64",
        hostname: "0123456789ab",
        buildContexts: { "smoke-image": `oci-layout:///l@${DIGEST}` },
      },
      [
        "buildx",
        "build",
        "--builder",
        "remote",
        "--progress=plain",
        "--platform",
        "linux/arm64",
        "--build-arg",
        "BUILDKIT_SANDBOX_HOSTNAME=0123456789ab",
        "--build-context",
        `smoke-image=oci-layout:///l@${DIGEST}`,
        "--file",
        "/t/Dockerfile",
        "--output",
        "type=local,dest=/t/out",
        "/t/context",
      ],
    ],
  ])("%s", (_what, input, rest) => {
    expect(buildSmokeBuildArgv(input)).toEqual(["/usr/bin/docker", ...rest]);
  });
});

describe("parseImageSource", () => {
  it.each([
    `127.0.0.1:5001/ns/img@${DIGEST}`,
    `ghcr.io/ahelme/comfyume-worker:v0.11.0@${DIGEST}`,
    "ghcr.io/ahelme/comfyume-worker:v0.11.0",
    "127.0.0.1:5000/stand-in/python:3.11-bookworm",
    "busybox",
  ])("accepts %s", (ref) => {
    expect(parseImageSource({ kind: "registry", ref })).toEqual({ kind: "registry", ref });
  });

  it.each<[SmokeImageSource, string]>([
    [{ kind: "registry", ref: "--help" }, "is not an image reference"],
    [{ kind: "registry", ref: "img\nRUN curl evil" }, "is not an image reference"],
    [{ kind: "registry", ref: "Host/UPPER/img" }, "is not an image reference"],
    [{ kind: "registry", ref: "img@sha256:short" }, "is not an image reference"],
    [{ kind: "oci-layout", dir: "relative/dir" }, "not usable as an OCI layout directory"],
    [{ kind: "oci-layout", dir: "/a@b" }, "not usable as an OCI layout directory"],
    [{ kind: "oci-layout", dir: "/a,b" }, "not usable as an OCI layout directory"],
    [{ kind: "oci-layout", dir: "/layout", digest: "latest" }, "is not a digest"],
  ])("rejects %j", (source, message) => {
    expect(() => parseImageSource(source)).toThrow(message);
  });

  it("describes sources", () => {
    expect(describeImageSource({ kind: "oci-layout", dir: "/l", digest: DIGEST })).toBe(
      `oci-layout:///l@${DIGEST}`,
    );
  });
});

describe("classifyDockerFailure", () => {
  const ref = `127.0.0.1:5001/ns/img@${DIGEST}`;
  it.each([
    [
      [
        "ERROR: pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials",
      ],
      "SMOKE_IMAGE_UNAUTHORIZED",
    ],
    [
      [
        `#2 ERROR: unexpected status from HEAD request to http://127.0.0.1:5001/v2/ns/img/manifests/${DIGEST}: 401 Unauthorized`,
      ],
      "SMOKE_IMAGE_UNAUTHORIZED",
    ],
    [[`ERROR: ${ref}: not found`], "SMOKE_IMAGE_NOT_FOUND"],
    [
      [
        'ERROR: failed to solve: process "/.cb-tools/busybox sh -c echo \\"x\\"" did not complete successfully: unable to find user 1000: invalid argument',
      ],
      "SMOKE_USER_UNKNOWN",
    ],
    [["docker: 'buildx' is not a docker command."], "SMOKE_BUILDX_UNAVAILABLE"],
    [["ERROR: failed to solve: something else"], "SMOKE_RUN_FAILED"],
  ] as const)("%j → %s", (stderr, code) => {
    expect(classifyDockerFailure(stderr, ref, "run smoke tests in").code).toBe(code);
  });

  it("names the user BuildKit could not find, without the script", () => {
    const error = classifyDockerFailure(
      [
        'ERROR: failed to solve: process "/.cb-tools/busybox sh -c echo \\"x\\"" did not complete successfully: unable to find user app: no matching entries in passwd file',
      ],
      ref,
      "run smoke tests in",
    );
    expect(unresolvedUser(["unable to find user app: no matching entries"])).toBe("app");
    expect(error.message).toBe(
      `BuildKit could not find user app in ${ref} (unable to find user app: no matching entries in passwd file)`,
    );
  });

  it("quotes the useful line", () => {
    expect(
      classifyDockerFailure(["noise", "#9 ERROR: disk full", "tail"], ref, "run smoke tests in").message,
    ).toBe(`could not run smoke tests in ${ref}: disk full`);
  });
});

describe("runSmoke rejects bad input before starting any process", () => {
  // docker is a path that does not exist: reaching it would fail differently.
  const options = { docker: "/nonexistent/docker", env: {} };
  it("a smoke file that cannot be read", async () => {
    const error = await runSmoke({
      ...options,
      file: "/nonexistent/smoke.yaml",
      image: { kind: "registry", ref: "busybox" },
    }).catch((e: unknown) => e);
    expect((error as SmokeError).code).toBe("SMOKE_FILE_INVALID");
    expect((error as SmokeError).message).toContain(
      'could not read the smoke file "/nonexistent/smoke.yaml"',
    );
  });

  it("an image reference that could become an option", async () => {
    const error = await runSmoke({
      ...options,
      file: parseSmokeFile('schemaVersion: "2.0.0"\n'),
      image: { kind: "registry", ref: "--push" },
    }).catch((e: unknown) => e);
    expect((error as SmokeError).code).toBe("SMOKE_IMAGE_INVALID");
  });

  it("reports a docker CLI that cannot be started as buildx unavailable", async () => {
    const error = await runSmoke({
      ...options,
      file: parseSmokeFile('schemaVersion: "2.0.0"\n'),
      image: { kind: "registry", ref: "busybox" },
    }).catch((e: unknown) => e);
    expect((error as SmokeError).code).toBe("SMOKE_BUILDX_UNAVAILABLE");
    expect((error as SmokeError).message).toContain("could not run /nonexistent/docker");
  });
});
