import { describe, expect, it } from "vitest";
import { parseLogLine } from "../../../builder/src/store/log-file.js";
import { assertBuildId, isValidBuildId } from "../../../builder/src/store/store-error.js";

describe("build ids", () => {
  it.each([
    ["b_01JD5Q3T0M8ZK4X1Y2Z3A4B5C6", true],
    ["b-1", true],
    ["../etc", false],
    ["a/b", false],
    [".hidden", false],
    ["", false],
    ["-rf", false],
    ["x".repeat(129), false],
    ["b_01\n", false],
  ])("%j valid: %s", (id, valid) => {
    expect(isValidBuildId(id)).toBe(valid);
  });

  it("names the bad id in the error", () => {
    expect(() => assertBuildId("../x")).toThrow(/"\.\.\/x" is not valid/);
  });
});

describe("parseLogLine", () => {
  it.each([
    ['{"seq":1,"ts":"2026-01-01T00:00:00.000Z","stream":"stdout","line":"hi"}', 1],
    ['{"seq":7,"ts":"t","stream":"system","line":""}', 7],
    ['{"seq":0,"ts":"t","stream":"stdout","line":"x"}', undefined],
    ['{"seq":1,"ts":"t","stream":"other","line":"x"}', undefined],
    ['{"seq":3,"ts":"t","str', undefined],
    ["", undefined],
    ["not json", undefined],
  ])("%s -> seq %s", (text, seq) => {
    expect(parseLogLine(text)?.seq).toBe(seq);
  });
});
