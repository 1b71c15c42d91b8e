import { describe, expect, it } from "vitest";
import { buildAuthHeaders, buildConnectionSettings } from "../../../trigger/src/config/settings.js";

describe("buildConnectionSettings", () => {
  it.each([
    [{}, {}, { baseUrl: "http://127.0.0.1:8080", waitReadyMs: 300_000 }],
    [
      {},
      { BUILDER_URL: "https://containers.datacrunch.io/comfyume-builder/" },
      { baseUrl: "https://containers.datacrunch.io/comfyume-builder" },
    ],
    [
      { url: "http://h:1", token: "flag" },
      { BUILDER_URL: "http://env:2", BUILDER_TOKEN: "env" },
      { baseUrl: "http://h:1", token: "flag" },
    ],
    [{}, { BUILDER_TOKEN: "env", SERVERLESS_API_KEY: "dc_key" }, { token: "env", apiKey: "dc_key" }],
    [{ waitReady: 5 }, {}, { waitReadyMs: 5000 }],
    [{}, { BUILDER_URL: "" }, { baseUrl: "http://127.0.0.1:8080" }],
  ])("flags %j env %j", (flags, env, expected) => {
    expect(buildConnectionSettings(flags, env)).toMatchObject(expected);
  });

  it.each([
    [{ url: "not a url" }, {}, /--url "not a url" is not a URL/],
    [{}, { BUILDER_URL: "ftp://x" }, /BUILDER_URL "ftp:\/\/x" must be an http/],
    [{ url: "http://h/?q=1" }, {}, /must not have a query/],
  ])("rejects %j %j with exit 2", (flags, env, message) => {
    expect(() => buildConnectionSettings(flags, env)).toThrow(message);
    try {
      buildConnectionSettings(flags, env);
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

describe("buildAuthHeaders", () => {
  it.each([
    [{}, {}],
    [{ token: "t" }, { authorization: "Bearer t" }],
    [{ apiKey: "dc_k" }, { authorization: "Bearer dc_k" }],
    [
      { token: "t", apiKey: "dc_k" },
      { authorization: "Bearer dc_k", "x-builder-token": "t" },
    ],
  ])("%j", (settings, headers) => {
    expect(buildAuthHeaders(settings)).toEqual(headers);
  });
});
