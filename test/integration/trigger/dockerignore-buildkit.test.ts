// The .dockerignore differential test: every tree from moby/patternmatcher's tables, the
// cases of issue 12, Docker's documented examples and the walk's own rules, built by the
// real BuildKit (`COPY . /tK/`, `--output type=local`) and packed by `submit --context`'s
// packer. The packer must send what BuildKit sends, plus the Dockerfile and the ignore file
// (the builder needs them; BuildKit there leaves them out of `COPY .` again); trees BuildKit
// refuses must be refused by the packer too, naming the file and line.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askBuildkit, type BuildkitAnswer } from "../../helpers/buildkit-context.js";
import { errorTreeCases, expectedPacked, treeCases } from "../../helpers/dockerignore-trees.js";
import { packedEntries } from "../../helpers/packed-entries.js";

const cases = treeCases();
const errorCases = errorTreeCases();
let root: string;
let answers: BuildkitAnswer[];
let errorAnswers: BuildkitAnswer[];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "dockerignore-buildkit-"));
  [answers, errorAnswers] = await Promise.all([
    askBuildkit(path.join(root, "ok"), cases),
    askBuildkit(path.join(root, "refused"), errorCases, { expectErrors: true }),
  ]);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe(".dockerignore: the packer sends what BuildKit sends", () => {
  it(`has a BuildKit answer for all ${cases.length} trees`, () => {
    expect(cases.length).toBeGreaterThan(100);
    expect(answers.filter((a) => a.error).map((a) => a.error)).toEqual([]);
  });

  it.each(cases.map((c, i) => [c.name, i] as const))("%s", async (_name, i) => {
    const c = cases[i]!;
    const buildkit = answers[i]!.entries!;
    expect(await packedEntries(path.join(root, "ok", `t${i}`))).toEqual(expectedPacked(c, buildkit));
  });
});

describe(".dockerignore: the packer refuses what BuildKit refuses", () => {
  it.each(errorCases.map((c, i) => [c.name, i] as const))("%s", async (_name, i) => {
    expect(errorAnswers[i]!.error).toMatch(/excludepatterns|parsing \.dockerignore/);
    await expect(packedEntries(path.join(root, "refused", `t${i}`))).rejects.toThrow(
      /\.dockerignore line \d+/,
    );
  });
});
