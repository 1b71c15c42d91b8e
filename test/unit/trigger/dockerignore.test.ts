// Docker's documented .dockerignore examples
// (https://docs.docker.com/build/concepts/context/#dockerignore-files).
import { describe, expect, it } from "vitest";
import { buildContextFilter, parseDockerignore } from "../../../trigger/src/context/dockerignore.js";

const excludes = (text: string, p: string) => buildContextFilter(parseDockerignore(text)).excludes(p);

describe("parseDockerignore", () => {
  it.each([
    ["# comment\n*/temp*\n*/*/temp*\ntemp?\n", ["*/temp*", "*/*/temp*", "temp?"]],
    ["  spaced  \n\n", ["spaced"]],
    ["/leading\n./dot\nsub/../x\n", ["leading", "dot", "x"]],
    ["! README.md\n!keep", ["!README.md", "!keep"]],
    ["dir/\n", ["dir"]],
    [
      " # not a comment (Docker only skips # in column 0)",
      ["# not a comment (Docker only skips # in column 0)"],
    ],
    ["a\\b", ["a/b"]],
  ])("%j", (text, patterns) => {
    expect(parseDockerignore(text)).toEqual(patterns);
  });
});

describe("context filter (Docker's rules)", () => {
  const docs = "# comment\n*/temp*\n*/*/temp*\ntemp?\n";
  it.each([
    // The documented example: one level, two levels, and a single-character wildcard at the root.
    [docs, "somedir/temporary.txt", true],
    [docs, "somedir/temp", true],
    [docs, "somedir/subdir/temporary.txt", true],
    [docs, "tempa", true],
    [docs, "tempb/inside", true],
    [docs, "temporary.txt", false],
    [docs, "temp", false],
    [docs, "a/b/c/temporary.txt", false],
    // `**` matches any number of directories, including none.
    ["**/*.go", "main.go", true],
    ["**/*.go", "cmd/x/main.go", true],
    ["**/*.go", "cmd/x/main.c", false],
    // `!` exceptions; the last matching line wins.
    ["*.md\n!README.md", "CHANGES.md", true],
    ["*.md\n!README.md", "README.md", false],
    ["*.md\n!README*.md\nREADME-secret.md", "README-secret.md", true],
    ["*.md\n!README*.md\nREADME-secret.md", "README-public.md", false],
    ["*.md\nREADME-secret.md\n!README*.md", "README-secret.md", false],
    // Leading '/' is the root, same as no slash; a pattern is anchored at the root.
    ["/big.bin", "big.bin", true],
    ["big.bin", "sub/big.bin", false],
    // A matched directory excludes its contents.
    ["node_modules", "node_modules/x/index.js", true],
    [".git", ".git/HEAD", true],
    // Everything but an allow-list (the frontend's .dockerignore style).
    ["*\n!comfyui-frontend\n!package.json", "comfyui-frontend/Dockerfile", false],
    ["*\n!comfyui-frontend\n!package.json", "package.json", false],
    ["*\n!comfyui-frontend\n!package.json", "secrets.env", true],
    // Docker always sends the Dockerfile and .dockerignore.
    ["Dockerfile\n.dockerignore", "Dockerfile", false],
    ["Dockerfile\n.dockerignore", ".dockerignore", false],
  ])("%j: %s excluded=%s", (text, p, expected) => {
    expect(excludes(text, p)).toBe(expected);
  });

  it.each([
    ["node_modules", false],
    ["*\n!keep", true],
  ])("%j hasExceptions=%s", (text, expected) => {
    expect(buildContextFilter(parseDockerignore(text)).hasExceptions).toBe(expected);
  });
});
