import { describe, expect, it } from "vitest";
import { exitCodeForRecord, exitCodeForStatusQuery } from "../../../common/exit-codes.js";
import {
  errorFromResponse,
  isRetryableNetworkError,
  parseEnvelope,
} from "../../../trigger/src/http/errors.js";

describe("exitCodeForRecord", () => {
  it.each([
    ["succeeded", null, 0],
    ["failed", { code: "BUILD_FAILED", message: "x" }, 1],
    ["failed", { code: "PUSH_FAILED", message: "x" }, 1],
    ["failed", { code: "BACKUP_FAILED", message: "x" }, 1],
    ["failed", { code: "TIMEOUT", message: "x" }, 1],
    ["failed", { code: "SMOKE_FAILED", message: "x" }, 3],
    ["cancelled", { code: "CANCELLED", message: "x" }, 4],
    ["interrupted", { code: "INTERRUPTED", message: "x" }, 4],
    // Where an end was promised, a build that has not ended is a protocol error, not a success.
    ["running", null, 5],
    ["queued", null, 5],
  ] as const)("%s %j -> %i", (status, error, code) => {
    expect(exitCodeForRecord({ status, error })).toBe(code);
  });

  it.each([
    ["queued", null, 0],
    ["running", null, 0],
    ["succeeded", null, 0],
    ["failed", { code: "SMOKE_FAILED", message: "x" }, 3],
    ["cancelled", { code: "CANCELLED", message: "x" }, 4],
  ] as const)("status of a %s build exits %i", (status, error, code) => {
    expect(exitCodeForStatusQuery({ status, error })).toBe(code);
  });
});

describe("errorFromResponse", () => {
  const env = (code: string) =>
    JSON.stringify({ error: { code, message: "m", issues: [{ path: "tags.0", message: "bad" }] } });
  it.each([
    [400, env("INVALID_REQUEST"), 2, /INVALID_REQUEST: m \(tags.0: bad\)/],
    [404, env("NOT_FOUND"), 2, /NOT_FOUND/],
    [409, env("CONFLICT"), 2, /CONFLICT/],
    [401, env("UNAUTHORIZED"), 5, /UNAUTHORIZED/],
    [403, env("FORBIDDEN"), 5, /FORBIDDEN/],
    [429, env("QUEUE_FULL"), 1, /QUEUE_FULL/],
    [401, "nope", 5, /HTTP 401.*BUILDER_TOKEN/],
    [404, "404 page not found", 5, /SERVERLESS_API_KEY/],
    [500, "<html>", 5, /HTTP 500 without the builder's error body/],
  ])("%i %s -> exit %i", (status, text, exit, message) => {
    const err = errorFromResponse(status, text, "doing it");
    expect(err.exitCode).toBe(exit);
    expect(err.message).toMatch(message);
  });

  it("parses envelopes and rejects other bodies", () => {
    expect(parseEnvelope('{"error":{"code":"X","message":"y"}}')).toEqual({ code: "X", message: "y" });
    expect(parseEnvelope('{"error":"x"}')).toBeUndefined();
    expect(parseEnvelope("<html>")).toBeUndefined();
  });
});

describe("isRetryableNetworkError", () => {
  it.each([
    [Object.assign(new Error("x"), { code: "ECONNREFUSED" }), true],
    [new Error("fetch failed", { cause: Object.assign(new Error("y"), { code: "UND_ERR_SOCKET" }) }), true],
    [Object.assign(new Error("x"), { code: "ENOTFOUND" }), false],
    [new Error("plain"), false],
  ])("%s -> %s", (err, expected) => {
    expect(isRetryableNetworkError(err)).toBe(expected);
  });
});
