import { describe, expect, it } from "vitest";
import { buildRequestSchema, formatIssues } from "../../../common/build-request.js";
import { buildArgNameSchema, escapeControlCharacters } from "../../../common/values.js";
import { builderConfigSchema } from "../../../builder/src/config/builder-config.js";

describe("prototype keys in record maps", () => {
  it.each([
    ['{"target":"worker","buildArgs":{"__proto__":"x"}}', "buildArgs.__proto__"],
    ['{"target":"worker","buildArgs":{"A":"1","constructor":"x"}}', "buildArgs.constructor"],
    ['{"target":"worker","buildArgs":{"prototype":"x"}}', "buildArgs.prototype"],
  ])("%s is refused naming %s", (json, field) => {
    const parsed = buildRequestSchema.safeParse(JSON.parse(json));
    expect(parsed.success).toBe(false);
    expect(formatIssues(parsed.error!).map((i) => i.path)).toContain(field);
  });

  it("keeps ordinary build args", () => {
    expect(buildRequestSchema.parse({ target: "worker", buildArgs: { A: "1", __x: "2" } }).buildArgs).toEqual(
      {
        A: "1",
        __x: "2",
      },
    );
  });

  it("a build-arg name alone (the CLI's check) refuses them too", () => {
    for (const name of ["__proto__", "constructor", "prototype"])
      expect(buildArgNameSchema.safeParse(name).success).toBe(false);
  });

  it.each([
    ['{"sources":{"__proto__":{"path":"."}},"targets":{}}', "sources.__proto__"],
    [
      '{"sources":{"s":{"path":"."}},"targets":{"constructor":{"source":"s","image":"127.0.0.1:5001/a/b"}}}',
      "targets.constructor",
    ],
    [
      '{"sources":{"s":{"path":"."}},"targets":{"t":{"source":"s","image":"127.0.0.1:5001/a/b","secrets":{"__proto__":"X"}}}}',
      "targets.t.secrets.__proto__",
    ],
    [
      '{"sources":{"s":{"path":"."}},"targets":{"t":{"source":"constructor","image":"127.0.0.1:5001/a/b"}}}',
      "targets.t.source",
    ],
  ])("config %s is refused naming %s", (json, field) => {
    const parsed = builderConfigSchema.safeParse(JSON.parse(json));
    expect(parsed.success).toBe(false);
    expect(formatIssues(parsed.error!).map((i) => i.path)).toContain(field);
  });
});

describe("escapeControlCharacters", () => {
  it.each([
    ["plain text", "plain text"],
    ["tab\tstays", "tab\tstays"],
    ["two\nlines", "two\\nlines"],
    ["carriage\rreturn", "carriage\\rreturn"],
    ["\u001b[31mred\u001b[0m", "\\x1b[31mred\\x1b[0m"],
    ["nul\u0000 del\u007f c1\u009b", "nul\\x00 del\\x7f c1\\x9b"],
    ["unicode é ✓ stays", "unicode é ✓ stays"],
  ])("%j -> %j", (line, want) => {
    expect(escapeControlCharacters(line)).toBe(want);
  });
});
