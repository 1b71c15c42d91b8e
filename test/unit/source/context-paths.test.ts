import { describe, expect, it } from "vitest";
import { isInside, parseRelativePath } from "../../../builder/src/source/context-paths.js";

describe("isInside", () => {
  it.each([
    ["/r", "/r", true],
    ["/r", "/r/a/b", true],
    ["/r", "/r/..a", true],
    ["/r", "/", false],
    ["/r", "/rx", false],
    ["/r", "/r/../x", false],
    ["/r/a", "/r", false],
  ])("%s contains %s: %s", (root, candidate, inside) => {
    expect(isInside(root, candidate)).toBe(inside);
  });
});

describe("parseRelativePath", () => {
  it.each([".", "app", "app/Dockerfile", "./a/b"])("accepts %j", (v) => {
    expect(parseRelativePath("context", v)).toBe(v);
  });
  it.each([
    ["context", "../x", 'context "../x" escapes the source root'],
    ["dockerfile", "/etc/Dockerfile", 'dockerfile "/etc/Dockerfile" escapes the source root'],
    ["context", "a/../../b", 'context "a/../../b" escapes the source root'],
    ["context", "-f", 'context "-f" is not valid'],
    ["context", "a\nb", 'context "a\\nb" is not valid'],
    ["context", "", 'context "" is not valid'],
  ])("%s %j -> %s", (field, v, message) => {
    expect(() => parseRelativePath(field, v)).toThrow(message);
  });
});
