import { describe, expect, it } from "vitest";
import { backoffDelay, delay, parseRetryAfter } from "../../../trigger/src/http/backoff.js";

describe("backoffDelay", () => {
  it.each([
    [1, 0, 400],
    [1, 1, 500],
    [2, 1, 1000],
    [3, 1, 2000],
    [5, 1, 8000],
    [6, 1, 10_000],
    [50, 1, 10_000],
    [50, 0, 8000],
  ])("attempt %i with random %f is %i ms", (attempt, r, expected) => {
    expect(backoffDelay(attempt, {}, () => r)).toBe(expected);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-23T00:00:00Z");
  it.each([
    [undefined, undefined],
    ["", undefined],
    ["3", 3000],
    ["120", 30_000],
    ["Mon, 23 Nov 2026 00:00:05 GMT", 5000],
    ["Mon, 22 Nov 2026 00:00:00 GMT", 0],
    ["soon", undefined],
  ])("%j -> %j", (value, expected) => {
    expect(parseRetryAfter(value, 30_000, now)).toBe(expected);
  });
});

describe("delay", () => {
  it("rejects with the abort reason", async () => {
    const c = new AbortController();
    const p = delay(60_000, c.signal);
    c.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
  });
});
