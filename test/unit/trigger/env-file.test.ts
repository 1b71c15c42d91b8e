import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { mergeEnv, parseDotEnv, resolveDotEnv } from "../../../trigger/src/config/env-file.js";

describe("parseDotEnv", () => {
  it.each([
    ["A=1", { A: "1" }],
    ["export A=1", { A: "1" }],
    ["  A = spaced  ", { A: "spaced" }],
    ["# comment\n\nA=1\r\nB=2", { A: "1", B: "2" }],
    ['A="a b # not a comment"', { A: "a b # not a comment" }],
    ['A="line\\nbreak"', { A: "line\nbreak" }],
    ["A='$literal\\n'", { A: "$literal\\n" }],
    ["A=value # comment", { A: "value" }],
    ["A=a#b", { A: "a#b" }],
    ["A=", { A: "" }],
    [
      "BUILDER_URL=https://containers.datacrunch.io/comfyume-builder",
      { BUILDER_URL: "https://containers.datacrunch.io/comfyume-builder" },
    ],
  ])("%j", (text, expected) => {
    expect(parseDotEnv(text)).toEqual(expected);
  });

  it.each([
    ["not a line", /line 1 is not KEY=VALUE/],
    ["A=1\n1A=2", /line 2 is not KEY=VALUE/],
    ['A="open', /unterminated " quote/],
  ])("%j throws", (text, message) => {
    expect(() => parseDotEnv(text)).toThrow(message);
  });
});

describe("mergeEnv", () => {
  it("lets the real environment win and fills gaps from .env", () => {
    expect(mergeEnv({ A: "real", C: undefined }, { A: "file", B: "file", C: "file" })).toEqual({
      A: "real",
      B: "file",
      C: "file",
    });
  });
});

describe("resolveDotEnv", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  it("reads .env in the directory and is undefined without one", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "trigger-env-"));
    expect(await resolveDotEnv(dir)).toBeUndefined();
    await writeFile(path.join(dir, ".env"), "BUILDER_TOKEN=abc\n");
    expect(await resolveDotEnv(dir)).toEqual({ BUILDER_TOKEN: "abc" });
  });
});
