import { describe, expect, it } from "vitest";
import {
  buildFetchArgv,
  buildLsRemoteArgv,
  describeGitFailure,
  displayUrl,
  isFullSha,
  parseGitRef,
  parseLsRemote,
} from "../../../builder/src/source/git-argv.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

describe("argv builders put -- before the URL and ref", () => {
  it("fetch", () => {
    const argv = buildFetchArgv("git", "https://h/x.git", "main");
    expect(argv.slice(-3)).toEqual(["--", "https://h/x.git", "main"]);
    expect(argv).toContain("credential.helper=");
    expect(argv).toEqual(expect.arrayContaining(["fetch", "--depth", "1", "--no-tags"]));
  });
  it("ls-remote", () => {
    expect(buildLsRemoteArgv("/usr/bin/git", "file:///r", "v1").slice(-4)).toEqual([
      "--",
      "file:///r",
      "v1",
      "refs/tags/v1^{}",
    ]);
  });
});

describe("parseLsRemote", () => {
  const out = [
    `${A}\trefs/heads/main`,
    `${B}\trefs/tags/v1`,
    `${C}\trefs/tags/v1^{}`,
    `${B}\trefs/heads/release/main`,
    `${C}\trefs/tags/both`,
    `${A}\trefs/heads/both`,
  ].join("\n");
  it.each([
    ["main", A],
    ["v1", C],
    ["both", A],
    ["refs/heads/release/main", B],
    ["release", undefined],
    ["nope", undefined],
  ])("%s -> %s", (ref, sha) => {
    expect(parseLsRemote(out, ref)).toBe(sha);
  });
});

describe("describeGitFailure", () => {
  const url = "https://user@github.com/x/y";
  it.each([
    [["fatal: couldn't find remote ref v9.9"], "ref v9.9 not found in https://github.com/x/y"],
    [["fatal: remote error: upload-pack: not our ref " + A], "ref v9.9 not found in https://github.com/x/y"],
    [
      ["fatal: could not read Username for 'https://github.com': terminal prompts disabled"],
      "authentication failed for https://github.com/x/y; check the token (tokenEnv) and its access",
    ],
    [
      ["remote: Invalid username or password.", "fatal: Authentication failed for 'https://github.com/x/y/'"],
      "authentication failed for https://github.com/x/y; check the token (tokenEnv) and its access",
    ],
    [
      ["fatal: repository 'https://github.com/x/y/' not found"],
      "repository https://github.com/x/y not found or not accessible",
    ],
    [
      ["fatal: unable to access: Could not resolve host: github.com"],
      "git could not fetch v9.9 from https://github.com/x/y: fatal: unable to access: Could not resolve host: github.com",
    ],
  ])("%j", (stderr, message) => {
    expect(describeGitFailure(stderr, url, "v9.9")).toBe(message);
  });
});

describe("refs", () => {
  it.each([
    "-oProxyCommand=x",
    "--upload-pack=x",
    "a..b",
    "\nx",
    "x\u0000",
    "a b",
    "a:b",
    "a~1",
    "x.lock",
    "/x",
    "@{-1}",
  ])("rejects %j with a message quoting it", (ref) => {
    expect(() => parseGitRef(ref)).toThrow(`ref ${JSON.stringify(ref)} is not valid`);
  });
  it.each(["main", "v0.11.0", "feature/x", A])("accepts %s", (ref) => {
    expect(parseGitRef(ref)).toBe(ref);
  });
  it.each([
    [A, true],
    ["A".repeat(40), true],
    ["a".repeat(64), true],
    ["a".repeat(39), false],
    ["g".repeat(40), false],
  ])("isFullSha(%s) = %s", (ref, yes) => {
    expect(isFullSha(ref)).toBe(yes);
  });
  it("drops user info from displayed URLs", () => {
    expect(displayUrl("https://u:p@h/x")).toBe("https://h/x");
    expect(displayUrl("file:///r")).toBe("file:///r");
  });
});
