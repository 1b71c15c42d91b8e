// Against real buildx 0.13.1 output captured from the stack (test/fixtures/buildx/*.txt).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describePushError, parseBuildxProgress } from "../../../builder/src/buildx/progress.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/buildx/${name}`, import.meta.url), "utf8").split("\n");

describe("parseBuildxProgress on captured output", () => {
  const cases = [
    {
      file: "success.txt",
      steps: { total: 3, cached: 0 },
      names: [
        "[1/4] FROM 127.0.0.1:5000/stand-in/busybox:1@sha256:744026513343c234496ffc2914f2d55aca985eaf0b00c0fc6274a95ebeb39614",
        "[2/4] RUN echo hello > /hello.txt",
        "[3/4] RUN echo second && echo world > /world.txt",
        "[4/4] COPY Dockerfile /Dockerfile.copy",
      ],
      failure: undefined,
    },
    { file: "cached.txt", steps: { total: 3, cached: 3 }, failure: undefined },
    { file: "multi-platform.txt", steps: { total: 2, cached: 0 }, failure: undefined },
    {
      file: "run-failed.txt",
      steps: { total: 2, cached: 0 },
      failure: {
        kind: "build",
        step: '[3/4] RUN echo "line one of output" && echo "line two to stderr" >&2 && exit 3',
        message:
          'step [3/4] RUN echo "line one of output" && echo "line two to stderr" >&2 && exit 3 failed: process "/bin/sh -c echo \\"line one of output\\" && echo \\"line two to stderr\\" >&2 && exit 3" did not complete successfully: exit code: 3',
        output: ["line one of output", "line two to stderr"],
      },
    },
    {
      file: "syntax-error.txt",
      steps: { total: 0, cached: 0 },
      failure: {
        kind: "build",
        message:
          "Dockerfile:2: dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)",
        output: ["RUNN echo hi"],
      },
    },
    {
      file: "push-unauthorized.txt",
      steps: { total: 3, cached: 3 },
      failure: {
        kind: "push",
        step: "exporting to image",
        message:
          "push to 127.0.0.1:5001/h1/cap:bad was refused: unauthorized (check the registry credentials for 127.0.0.1:5001)",
        output: [],
      },
    },
    {
      // The docker driver's own push after BuildKit's: a registry 500 on the tag's HEAD
      // (captured through test/helpers/fault-proxy.ts in front of the stack's registry).
      file: "push-with-docker-500.txt",
      steps: { total: 1, cached: 0 },
      failure: {
        kind: "push",
        step: "pushing 127.0.0.1:5002/fixture-1795719357884/cap:staging with docker",
        message:
          "push to 127.0.0.1:5002/fixture-1795719357884/cap:staging failed: unexpected status from HEAD request to http://127.0.0.1:5002/v2/fixture-1795719357884/cap/manifests/staging: 500 Internal Server Error",
        transient: true,
        output: [],
      },
    },
  ];
  for (const c of cases) {
    it(c.file, () => {
      const summary = parseBuildxProgress(fixture(c.file));
      expect(summary.steps).toEqual(c.steps);
      if (c.names) expect(summary.stepNames).toEqual(c.names);
      expect(summary.failure).toEqual(c.failure);
      expect(summary.cacheProblem).toBeUndefined();
    });
  }

  it("recognises a local cache buildx could not import", () => {
    const summary = parseBuildxProgress(fixture("cache-garbage-index.txt"));
    expect(summary.failure).toBeUndefined();
    expect(summary.cacheProblem).toEqual({
      stage: "import",
      message:
        "the local cache at /tmp/h1cap/cachegarbage could not be read: could not unmarshal /tmp/h1cap/cachegarbage/index.json (\"garbage{\\n\"): invalid character 'g' looking for beginning of value",
    });
  });

  it("counts a multi-platform build's steps per platform", () => {
    expect(parseBuildxProgress(fixture("multi-platform.txt")).stepNames).toEqual([
      "[linux/amd64 1/2] FROM 127.0.0.1:5000/stand-in/busybox:1@sha256:744026513343c234496ffc2914f2d55aca985eaf0b00c0fc6274a95ebeb39614",
      "[linux/arm64 1/2] FROM 127.0.0.1:5000/stand-in/busybox:1@sha256:744026513343c234496ffc2914f2d55aca985eaf0b00c0fc6274a95ebeb39614",
      "[linux/arm64 2/2] RUN uname -m > /arch",
      "[linux/amd64 2/2] RUN uname -m > /arch",
    ]);
  });

  it("treats an error that names the cache directory as a cache error", () => {
    const summary = parseBuildxProgress(
      [
        "#4 importing cache manifest from local:123",
        "#4 ERROR: failed to read /c/.tmp/w-read-1/blobs/sha256/ab: no such file or directory",
        "ERROR: failed to solve: failed to read /c/.tmp/w-read-1/blobs/sha256/ab: no such file or directory",
      ],
      ["/c/.tmp/w-read-1"],
    );
    expect(summary.failure?.kind).toBe("cache");
    expect(summary.cacheProblem?.stage).toBe("import");
  });

  it("keeps only the last 20 output lines of a failing step", () => {
    const lines = ["#5 [2/2] RUN for i in $(seq 30); do echo $i; done; exit 1"];
    for (let i = 1; i <= 30; i++) lines.push(`#5 0.${String(i).padStart(3, "0")} ${i}`);
    lines.push('#5 ERROR: process "/bin/sh -c …" did not complete successfully: exit code: 1');
    const failure = parseBuildxProgress(lines).failure;
    expect(failure?.output).toHaveLength(20);
    expect(failure?.output.at(-1)).toBe("30");
  });
});

describe("describePushError", () => {
  // [BuildKit's error, the vertex it came from, sentence, transient]
  const table: [string, string | undefined, string | undefined, boolean | undefined][] = [
    [
      "failed to push ghcr.io/a/b:v1: unexpected status from HEAD request to https://ghcr.io/v2/a/b/blobs/sha256:x: 401 Unauthorized",
      undefined,
      "push to ghcr.io/a/b:v1 was refused: unauthorized (check the registry credentials for ghcr.io)",
      false,
    ],
    [
      "failed to push ghcr.io/a/b:v1: denied: permission_denied: write_package",
      undefined,
      "push to ghcr.io/a/b:v1 was refused: access denied (the credentials for ghcr.io may not write to this repository)",
      false,
    ],
    [
      "failed to push r:5000/a:b: connection reset by peer",
      undefined,
      "push to r:5000/a:b failed: connection reset by peer",
      true,
    ],
    [
      "failed to push ghcr.io/a/b:v1: unexpected status from PUT request to https://ghcr.io/v2/a/b/manifests/v1: 429 Too Many Requests",
      undefined,
      "push to ghcr.io/a/b:v1 failed: unexpected status from PUT request to https://ghcr.io/v2/a/b/manifests/v1: 429 Too Many Requests",
      true,
    ],
    [
      "failed to push ghcr.io/a/b:v1: unexpected status from PUT request to https://ghcr.io/v2/a/b/manifests/v1: 400 Bad Request",
      undefined,
      "push to ghcr.io/a/b:v1 failed: unexpected status from PUT request to https://ghcr.io/v2/a/b/manifests/v1: 400 Bad Request",
      false,
    ],
    [
      // The docker driver: dockerd pushes the exported image itself, under its own vertex.
      "unexpected status from HEAD request to http://r:5001/v2/a/b/manifests/staging: 500 Internal Server Error",
      "pushing r:5001/a/b:staging with docker",
      "push to r:5001/a/b:staging failed: unexpected status from HEAD request to http://r:5001/v2/a/b/manifests/staging: 500 Internal Server Error",
      true,
    ],
    [
      "pushing r:5001/a/b:v1 with docker: unexpected status from HEAD request to http://r:5001/v2/a/b/manifests/v1: 500 Internal Server Error",
      undefined,
      "push to r:5001/a/b:v1 failed: unexpected status from HEAD request to http://r:5001/v2/a/b/manifests/v1: 500 Internal Server Error",
      true,
    ],
    [
      'process "/bin/sh -c exit 1" did not complete successfully: exit code: 1',
      undefined,
      undefined,
      undefined,
    ],
    [
      'process "/bin/sh -c exit 1" did not complete successfully: exit code: 1',
      "[2/2] RUN exit 1",
      undefined,
      undefined,
    ],
  ];
  for (const [input, vertex, message, transient] of table) {
    it(`${vertex ? `${vertex}: ` : ""}${input}`.slice(0, 70), () => {
      const got = describePushError(input, vertex);
      expect(got?.message).toBe(message);
      expect(got?.transient).toBe(transient);
    });
  }
});
