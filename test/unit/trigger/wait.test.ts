import { describe, expect, it } from "vitest";
import type { BuilderClient } from "../../../trigger/src/http/client.js";
import { NdjsonSplitter, parseNdjsonObject } from "../../../trigger/src/http/ndjson.js";
import { buildWaitRequest, idFromLocation } from "../../../trigger/src/http/wait.js";
import { shouldBind } from "../../../trigger/src/commands/follow-build.js";

describe("NdjsonSplitter", () => {
  it.each([
    ["one line", ['{"type":"log"}\n'], ['{"type":"log"}']],
    ["split anywhere", ['{"ty', 'pe":"a"}\n{"type"', ':"b"}\n'], ['{"type":"a"}', '{"type":"b"}']],
    ["CRLF", ['{"a":1}\r\n{"b":2}\r', "\n"], ['{"a":1}', '{"b":2}']],
    ["blank lines skipped", ["\n\n{}\n  \n"], ["{}"]],
    ["an unterminated line is held", ['{"type":"end"'], []],
  ])("%s", (_name, chunks, expected) => {
    const s = new NdjsonSplitter();
    expect(chunks.flatMap((c) => s.push(c))).toEqual(expected);
  });

  it("keeps the unterminated rest as pending", () => {
    const s = new NdjsonSplitter();
    s.push('{"a":1}\n{"b"');
    expect(s.pending).toBe('{"b"');
  });
});

describe("parseNdjsonObject", () => {
  it.each([
    ['{"type":"log","seq":1}', { type: "log", seq: 1 }],
    ['{"type":"heartbeat","ts":"x"}', { type: "heartbeat", ts: "x" }],
    ['{"seq":1}', undefined],
    ['{"type":3}', undefined],
    ["[1]", undefined],
    ["null", undefined],
    ["not json", undefined],
  ])("%s", (line, expected) => {
    expect(parseNdjsonObject(line)).toEqual(expected);
  });
});

describe("idFromLocation", () => {
  it.each([
    ["/v1/builds/b_01JD", "b_01JD"],
    ["https://containers.datacrunch.io/comfyume-builder/v1/builds/b_1", "b_1"],
    ["/v1/builds/b%5F2/", "b_2"],
    [["/v1/builds/b_3", "/v1/builds/b_4"], "b_3"],
    ["/v1/builds/b_1/logs", undefined],
    ["/v1/targets", undefined],
    ["/v1/builds/%E0%A4%A", undefined],
    [undefined, undefined],
  ])("%j -> %s", (location, expected) => {
    expect(idFromLocation(location)).toBe(expected);
  });
});

describe("buildWaitRequest", () => {
  it("adds wait=true beside the upload query and asks for NDJSON", () => {
    const body = () => "{}";
    const r = buildWaitRequest({
      method: "POST",
      path: "/v1/builds",
      query: new URLSearchParams("target=worker&tag=a&tag=b"),
      headers: { "idempotency-key": "k", accept: "application/json" },
      body,
      what: "x",
    });
    expect(r.query?.toString()).toBe("target=worker&tag=a&tag=b&wait=true");
    expect(r.headers).toEqual({ "idempotency-key": "k", accept: "application/x-ndjson" });
    expect(r.body).toBe(body);
    expect(r.bodyTimeoutMs).toBeGreaterThanOrEqual(60_000);
  });

  it("works without a query", () => {
    expect(buildWaitRequest({ method: "POST", path: "/v1/builds", what: "x" }).query?.toString()).toBe(
      "wait=true",
    );
  });
});

describe("shouldBind", () => {
  const ctx = (apiKey?: string) =>
    ({
      client: { settings: { baseUrl: "http://b", waitReadyMs: 0, ...(apiKey ? { apiKey } : {}) } },
    }) as unknown as { client: BuilderClient };
  it.each([
    [undefined, "dc_key", true],
    [undefined, undefined, false],
    [false, "dc_key", false],
    [true, undefined, true],
  ] as const)("flag %s, key %s -> %s", (flag, key, expected) => {
    expect(shouldBind(flag, ctx(key))).toBe(expected);
  });
});
