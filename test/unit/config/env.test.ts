import { describe, expect, it } from "vitest";
import { EnvError, loadConfig, SECRET_ENV_VARS } from "../../../builder/src/config/env.js";

function errorOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return (err as Error).message;
  }
  throw new Error("loadConfig accepted the environment");
}

describe("loadConfig errors", () => {
  it.each([
    [
      "BUILDER_API_TOKEN",
      "shortsecretXYZ",
      /BUILDER_API_TOKEN \(value not shown\): a token must be at least 16 characters/,
    ],
    ["BUILDER_READ_TOKEN", "tinyReadSecret", /BUILDER_READ_TOKEN \(value not shown\)/],
    [
      "BUILDER_NOTIFY_URL",
      "ftp://user:hunter2hunter2@x",
      /BUILDER_NOTIFY_URL \(value not shown\): must be an http/,
    ],
    ["R2_ENDPOINT", "not a url with a secret", /R2_ENDPOINT \(value not shown\)/],
  ])("%s: names the variable, never its value", (name, value, want) => {
    const message = errorOf({ [name]: value });
    expect(message).toMatch(want);
    expect(message).not.toContain(value);
    expect(SECRET_ENV_VARS.has(name)).toBe(true);
  });

  it("quotes the value of a variable that is not a secret", () => {
    expect(errorOf({ BUILDER_PORT: "80a" })).toContain('BUILDER_PORT="80a"');
    expect(errorOf({ BUILDER_MAX_UPLOAD_BYTES: "lots" })).toContain('BUILDER_MAX_UPLOAD_BYTES="lots"');
  });

  it("lists every bad variable, secrets unquoted among them", () => {
    const message = errorOf({ BUILDER_API_TOKEN: "short-one", BUILDER_QUEUE_MAX: "-1" });
    expect(message).toContain("BUILDER_API_TOKEN (value not shown)");
    expect(message).toContain('BUILDER_QUEUE_MAX="-1"');
    expect(message).not.toContain("short-one");
  });
});

describe("BUILDER_UPLOAD_RETENTION", () => {
  it.each([
    [undefined, 86_400],
    ["", 86_400],
    ["0", 0],
    ["3600", 3600],
    ["90m", 5400],
    ["24h", 86_400],
    ["7d", 604_800],
  ])("%j is %i seconds", (value, seconds) => {
    expect(
      loadConfig(value === undefined ? {} : { BUILDER_UPLOAD_RETENTION: value }).BUILDER_UPLOAD_RETENTION,
    ).toBe(seconds);
  });

  it("refuses a value that is not a duration, quoting it", () => {
    expect(errorOf({ BUILDER_UPLOAD_RETENTION: "1 week" })).toContain(
      'BUILDER_UPLOAD_RETENTION="1 week": "1 week" is not a duration',
    );
  });
});
