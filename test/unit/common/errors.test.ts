import { describe, expect, it } from "vitest";
import { asError, errorMessage, errorStack } from "../../../common/errors.js";

describe("errors", () => {
  it("reads an Error's message and stack", () => {
    const err = new TypeError("bad value");
    expect(errorMessage(err)).toBe("bad value");
    expect(errorStack(err)).toMatch(/^TypeError: bad value\n\s+at /);
    expect(asError(err)).toBe(err);
  });

  it("turns anything else thrown into text, never 'undefined'", () => {
    for (const [thrown, text] of [
      ["plain string", "plain string"],
      [42, "42"],
      [undefined, "undefined"],
      [null, "null"],
      [{ toString: () => "custom" }, "custom"],
    ] as const) {
      expect(errorMessage(thrown)).toBe(text);
      expect(errorStack(thrown)).toBe(text);
      const wrapped = asError(thrown);
      expect(wrapped).toBeInstanceOf(Error);
      expect(wrapped.message).toBe(text);
    }
  });

  it("keeps an Error without a stack printable", () => {
    const err = new Error("no stack");
    err.stack = undefined;
    expect(errorStack(err)).toBe("Error: no stack");
  });
});
