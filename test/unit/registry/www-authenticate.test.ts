import { describe, expect, it } from "vitest";
import {
  ChallengeError,
  parseWwwAuthenticate,
  type AuthChallenge,
} from "../../../builder/src/registry/www-authenticate.js";

describe("parseWwwAuthenticate", () => {
  const good: [string, AuthChallenge][] = [
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:ahelme/comfyume-worker:pull"',
      {
        scheme: "bearer",
        params: {
          realm: "https://ghcr.io/token",
          service: "ghcr.io",
          scope: "repository:ahelme/comfyume-worker:pull",
        },
      },
    ],
    [
      'bearer Realm="http://h/t", scope="repository:a/b:pull,push" , service=reg',
      {
        scheme: "bearer",
        params: { realm: "http://h/t", scope: "repository:a/b:pull,push", service: "reg" },
      },
    ],
    ['Basic realm="Registry Realm"', { scheme: "basic", params: { realm: "Registry Realm" } }],
    ["Basic", { scheme: "basic", params: {} }],
    ['Bearer realm="a\\"b"', { scheme: "bearer", params: { realm: 'a"b' } }],
    ['Bearer realm="x", Basic realm="y"', { scheme: "bearer", params: { realm: "x" } }],
  ];
  it.each(good)("parses %s", (header, want) => expect(parseWwwAuthenticate(header)).toEqual(want));

  const bad: [string, RegExp][] = [
    ["", /names no scheme/],
    ['Digest realm="x"', /unsupported scheme "Digest"/],
    ['Bearer service="x"', /has no realm/],
    ['Bearer realm="x', /unterminated/],
    ["Bearer realm=x, =y", /malformed parameter/],
  ];
  it.each(bad)("rejects %j", (header, why) => {
    expect(() => parseWwwAuthenticate(header)).toThrow(ChallengeError);
    expect(() => parseWwwAuthenticate(header)).toThrow(why);
  });
});
