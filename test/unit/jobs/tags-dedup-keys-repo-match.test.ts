import { describe, expect, it } from "vitest";
import {
  buildDedupKey,
  buildParamsFingerprint,
  stableStringify,
} from "../../../builder/src/jobs/build-keys.js";
import {
  changedPaths,
  isSameRepository,
  matchesWatch,
  normalizeRepoUrl,
} from "../../../builder/src/jobs/repo-match.js";
import {
  buildImageTags,
  renderTagTemplate,
  sanitizeRefForTag,
} from "../../../builder/src/jobs/tag-templates.js";
import type { BuildRecord } from "../../../common/build-record.js";

const now = new Date("2026-11-23T10:00:00Z");
const sha = "3382f4a0c1d2e3f4a5b6c7d8e9f00112233445566";

describe("sanitizeRefForTag", () => {
  it.each([
    ["main", "main"],
    ["refs/heads/feature/x", "feature-x"],
    ["refs/tags/v0.11.0", "v0.11.0"],
    ["-leading", "leading"],
    ["..dots", "dots"],
    ["a b@c", "a-b-c"],
    ["___", "___"],
    ["x".repeat(200), "x".repeat(128)],
    ["@@", undefined],
  ])("%s -> %s", (ref, want) => expect(sanitizeRefForTag(ref)).toBe(want));
});

describe("renderTagTemplate", () => {
  it.each([
    ["{ref}", { ref: "refs/heads/dev/a" }, "dev-a"],
    ["sha-{shortSha}", { sha }, "sha-3382f4a"],
    ["{sha}", { sha }, sha],
    ["{date}", {}, "20261123"],
    ["{target}-{date}", {}, "worker-20261123"],
    ["sha-{shortSha}", {}, undefined],
    ["{ref}", {}, undefined],
    ["fixed", {}, "fixed"],
  ])("%s with %o -> %s", (template, values, want) =>
    expect(renderTagTemplate(template, { target: "worker", now, ...values })).toBe(want),
  );

  it("joins target templates and request tags without duplicates, falling back to latest", () => {
    expect(
      buildImageTags("ghcr.io/a/w", ["{ref}", "sha-{shortSha}"], ["main", "extra"], {
        ref: "main",
        sha,
        target: "w",
        now,
      }),
    ).toEqual(["ghcr.io/a/w:main", "ghcr.io/a/w:sha-3382f4a", "ghcr.io/a/w:extra"]);
    expect(buildImageTags("r/a/w", ["{ref}"], [], { target: "w", now })).toEqual(["r/a/w:latest"]);
  });
});

describe("dedup keys", () => {
  const base = {
    target: "w",
    source: { kind: "git", name: "s", ref: "main", commit: sha },
    tags: ["r/a/w:main", "r/a/w:x"],
    platforms: ["linux/amd64", "linux/arm64"],
    push: true,
    params: {
      target: "w",
      tags: [],
      platforms: [],
      buildArgs: { A: "1", B: "2" },
      push: true,
      smoke: true,
      noCache: false,
    },
  } as unknown as BuildRecord;
  const key = buildDedupKey(base);
  it.each<[string, Partial<BuildRecord>, boolean]>([
    ["same", {}, true],
    ["platform order", { platforms: ["linux/arm64", "linux/amd64"] }, true],
    ["tag order", { tags: ["r/a/w:x", "r/a/w:main"] }, true],
    ["build arg order", { params: { ...base.params, buildArgs: { B: "2", A: "1" } } }, true],
    ["other commit", { source: { kind: "git", name: "s", ref: "main", commit: "f".repeat(40) } }, false],
    ["upload digest", { source: { kind: "upload", sha256: "a".repeat(64), bytes: 1 } }, false],
    ["other args", { params: { ...base.params, buildArgs: { A: "2", B: "2" } } }, false],
    ["push", { push: false }, false],
    ["tags", { tags: ["r/a/w:main"] }, false],
    ["target", { target: "v" }, false],
  ])("%s -> equal %s", (_, change, equal) =>
    expect(buildDedupKey({ ...base, ...change }) === key).toBe(equal),
  );

  it("fingerprints requests independently of key order, and by upload digest", () => {
    expect(stableStringify({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    expect(buildParamsFingerprint({ target: "w", tags: ["a"] })).toBe(
      buildParamsFingerprint({ tags: ["a"], target: "w" }),
    );
    expect(buildParamsFingerprint({ target: "w" }, "a")).not.toBe(
      buildParamsFingerprint({ target: "w" }, "b"),
    );
  });
});

describe("repository matching", () => {
  it.each([
    ["https://github.com/ahelme/comfyume-v1.git", "github.com/ahelme/comfyume-v1"],
    ["https://GitHub.com/Ahelme/Comfyume-V1/", "github.com/ahelme/comfyume-v1"],
    ["git@github.com:ahelme/comfyume-v1.git", "github.com/ahelme/comfyume-v1"],
    ["ssh://git@github.com/ahelme/comfyume-v1", "github.com/ahelme/comfyume-v1"],
    ["file:///tmp/repos/app.git", "/tmp/repos/app"],
  ])("normalizes %s", (url, want) => expect(normalizeRepoUrl(url)).toBe(want));

  const source = "https://github.com/ahelme/comfyume-v1.git";
  it.each([
    [{ full_name: "ahelme/comfyume-v1" }, true],
    [{ full_name: "AHELME/Comfyume-v1" }, true],
    [{ clone_url: "https://github.com/ahelme/comfyume-v1.git" }, true],
    [{ html_url: "https://github.com/ahelme/comfyume-v1" }, true],
    [{ ssh_url: "git@github.com:ahelme/comfyume-v1.git" }, true],
    [{ full_name: "ahelme/comfyume" }, false],
    [{ clone_url: "https://github.com/ahelme/comfyume-v1-fork.git" }, false],
    [{}, false],
  ])("%o matches: %s", (repo, want) => expect(isSameRepository(source, repo)).toBe(want));
});

describe("watch globs", () => {
  it.each([
    [["comfyui-worker/**"], ["comfyui-worker/Dockerfile"], true],
    [["comfyui-worker/**"], ["docs/readme.md"], false],
    [["comfyui-worker/**"], ["comfyui-worker/.dockerignore"], true],
    [["**/*.py"], ["a/b/c.py"], true],
    [["*.md"], ["a/b.md"], false],
    [[], ["anything"], false],
    [["**"], [], false],
  ])("%o vs %o -> %s", (globs, paths, want) => expect(matchesWatch(globs, paths)).toBe(want));

  it("collects added, modified and removed paths of every commit", () => {
    expect(
      changedPaths([{ added: ["a"], modified: ["b"], removed: ["c"] }, { modified: ["a", 3] }, null]).sort(),
    ).toEqual(["a", "b", "c"]);
    expect(changedPaths("nope")).toEqual([]);
  });
});
