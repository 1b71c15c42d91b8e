import { describe, expect, it } from "vitest";
import { parseUploadQuery } from "../../../builder/src/http/upload-query.js";

describe("parseUploadQuery", () => {
  it.each([
    ["target=worker", { target: "worker" }],
    [
      "target=worker&ref=v0.11.0&tag=a&tag=b&platform=linux/amd64&platform=linux/arm64&buildArg=A=1&buildArg=B=x%3Dy&push=false&smoke=true&noCache=true&wait=true",
      {
        target: "worker",
        ref: "v0.11.0",
        tags: ["a", "b"],
        platforms: ["linux/amd64", "linux/arm64"],
        buildArgs: { A: "1", B: "x=y" },
        push: false,
        smoke: true,
        noCache: true,
      },
    ],
  ])("%s", (q, expected) => {
    expect(parseUploadQuery(new URLSearchParams(q))).toEqual(expected);
  });

  it.each([
    ["", /target/],
    ["target=worker&push=1", /push="1" must be "true" or "false"/],
    ["target=worker&target=tiny", /target may be given once/],
    ["target=worker&buildArg==x", /buildArg="=x" must be KEY=VALUE/],
    ["target=worker&buildArg=1A=x", /buildArgs/],
    ["target=worker&ref=--exec", /ref/],
    ["target=worker&tag=..", /tags/],
    ["target=worker&Tag=x", /Unknown query parameter "Tag"/],
    ["target=worker&buildArg=__proto__=x", /buildArgs\.__proto__: "__proto__" is not allowed as a key/],
    ["target=worker&buildArg=constructor=x", /buildArgs\.constructor: "constructor" is not allowed as a key/],
  ])("%j is rejected naming the parameter", (q, message) => {
    expect(() => parseUploadQuery(new URLSearchParams(q))).toThrow(message);
  });
});
