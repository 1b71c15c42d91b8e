// Which ignore file `submit --context DIR` uses and how a bad one is reported. What the
// rules send is checked against the real BuildKit in test/integration/trigger/dockerignore-buildkit.test.ts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildContextFilter, resolveContextFilter } from "../../../trigger/src/context/dockerignore.js";
import { EXIT, TriggerError } from "../../../trigger/src/errors.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "trigger-dockerignore-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("resolveContextFilter", () => {
  it("uses .dockerignore and always sends it and the Dockerfile", async () => {
    await writeFile(path.join(dir, ".dockerignore"), "*.log\n");
    const f = await resolveContextFilter(dir);
    expect(f.ignoreFile).toBe(".dockerignore");
    expect([...f.alwaysSent].sort()).toEqual([".dockerignore", "Dockerfile"]);
    expect(f.matcher.excludes("x.log")).toBe(true);
  });

  it("prefers Dockerfile.dockerignore, even empty, as docker buildx build does", async () => {
    await writeFile(path.join(dir, ".dockerignore"), "*.log\n");
    await writeFile(path.join(dir, "Dockerfile.dockerignore"), "");
    const f = await resolveContextFilter(dir);
    expect(f.ignoreFile).toBe("Dockerfile.dockerignore");
    expect([...f.alwaysSent].sort()).toEqual(["Dockerfile", "Dockerfile.dockerignore"]);
    expect(f.matcher.excludes("x.log")).toBe(false);
  });

  it("sends everything but nothing extra when there is no ignore file", async () => {
    const f = await resolveContextFilter(dir);
    expect(f.ignoreFile).toBeUndefined();
    expect([...f.alwaysSent]).toEqual(["Dockerfile"]);
    expect(f.matcher.size).toBe(0);
  });

  it.each([
    ["ok\n[]a]\n", 2, "[]a]"],
    ["# comment\n\nkeep\n!\n", 4, "!"],
    ["! /\n", 1, "! /"],
  ])("refuses %j as a usage error naming line %d and the pattern", async (text, line, pattern) => {
    await writeFile(path.join(dir, ".dockerignore"), text);
    const err = await resolveContextFilter(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TriggerError);
    expect((err as TriggerError).exitCode).toBe(EXIT.USAGE);
    expect((err as TriggerError).message).toContain(`${path.join(dir, ".dockerignore")} line ${line}: `);
    expect((err as TriggerError).message).toContain(JSON.stringify(pattern));
    expect((err as TriggerError).message).not.toMatch(/\n\s+at /);
  });
});

describe("Docker's documented examples", () => {
  const docs = "# comment\n*/temp*\n*/*/temp*\ntemp?\n";
  it.each([
    [docs, "somedir/temporary.txt", true],
    [docs, "somedir/subdir/temporary.txt", true],
    [docs, "tempa", true],
    [docs, "temporary.txt", false],
    [docs, "a/b/c/temporary.txt", false],
    ["**/*.go", "cmd/x/main.go", true],
    ["*.md\n!README.md", "README.md", false],
    ["*.md\n!README*.md\nREADME-secret.md", "README-secret.md", true],
    ["*.md\nREADME-secret.md\n!README*.md", "README-secret.md", false],
    ["/big.bin", "big.bin", true],
    ["big.bin", "sub/big.bin", false],
    ["node_modules", "node_modules/x/index.js", true],
  ])("%j: %s excluded=%s", (text, p, expected) => {
    expect(buildContextFilter(text).matcher.excludes(p)).toBe(expected);
  });
});
