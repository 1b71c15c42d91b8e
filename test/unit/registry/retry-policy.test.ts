import { describe, expect, it } from "vitest";
import {
  computeBackoffMs,
  isRetryableStatus,
  nextDelayMs,
  parseRetryAfter,
  parseRetryPolicy,
  RetryPolicyError,
  type RetryPolicy,
} from "../../../builder/src/registry/retry-policy.js";

const policy: RetryPolicy = { attempts: 5, baseMs: 100, maxMs: 1000 };
const NOW = Date.parse("2026-11-23T12:00:00Z");

describe("parseRetryAfter", () => {
  it.each([
    [undefined, undefined],
    [null, undefined],
    ["0", 0],
    ["3", 3000],
    [" 120 ", 120_000],
    ["Mon, 23 Nov 2026 12:00:05 GMT", 5000],
    ["Mon, 23 Nov 2026 11:59:00 GMT", 0],
    ["-1", undefined],
    ["1.5", undefined],
    ["soon", undefined],
    ["", undefined],
  ])("%j -> %j ms", (value, want) => expect(parseRetryAfter(value, NOW)).toBe(want));
});

describe("computeBackoffMs", () => {
  it.each([
    // attempt, random, expected: equal jitter over min(max, base * 2^(attempt-1))
    [1, 0, 50],
    [1, 1, 100],
    [2, 0.5, 150],
    [3, 0, 200],
    [4, 1, 800],
    [5, 1, 1000],
    [10, 0, 500],
  ])("attempt %i with random %f -> %i ms", (attempt, r, want) => {
    expect(computeBackoffMs(attempt, policy, () => r)).toBe(want);
  });

  it("never exceeds maxMs and never retries instantly", () => {
    for (let attempt = 1; attempt < 30; attempt++) {
      const d = computeBackoffMs(attempt, policy);
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});

describe("nextDelayMs", () => {
  it.each([
    [2000, 1000], // capped by maxMs
    [300, 300], // the server's word wins
    [0, 0],
    [undefined, 100], // backoff with random 1 at attempt 1
  ])("Retry-After %j -> %i ms", (retryAfter, want) =>
    expect(nextDelayMs(1, policy, retryAfter, () => 1)).toBe(want),
  );
});

describe("isRetryableStatus", () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [599, true],
    [200, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
  ])("%i -> %s", (status, want) => expect(isRetryableStatus(status)).toBe(want));
});

describe("parseRetryPolicy", () => {
  it("accepts a sane policy", () => expect(parseRetryPolicy(policy)).toEqual(policy));
  it.each([
    [{ attempts: 0, baseMs: 1, maxMs: 1 }, /retry.attempts 0/],
    [{ attempts: 1.5, baseMs: 1, maxMs: 1 }, /retry.attempts 1.5/],
    [{ attempts: 2, baseMs: -1, maxMs: 1 }, /retry.baseMs -1/],
    [{ attempts: 2, baseMs: 10, maxMs: 5 }, /retry.maxMs 5 must be a number >= retry.baseMs \(10\)/],
  ])("rejects %j", (p, why) => {
    expect(() => parseRetryPolicy(p)).toThrow(RetryPolicyError);
    expect(() => parseRetryPolicy(p)).toThrow(why);
  });
});
