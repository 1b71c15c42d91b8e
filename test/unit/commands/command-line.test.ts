import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../../builder/src/commands/command-line.js";

describe("parseCommandLine", () => {
  it.each([
    [[], { name: "help" }],
    [["--help"], { name: "help" }],
    [["serve"], { name: "serve" }],
    [["config", "check"], { name: "config-check" }],
    [
      ["config", "check", "deploy/builder.config.json"],
      { name: "config-check", file: "deploy/builder.config.json" },
    ],
    [["config", "schema"], { name: "config-schema" }],
    [["cache", "prune"], { name: "cache-prune" }],
    [["cache", "prune", "--max-bytes", "10GiB"], { name: "cache-prune", maxBytes: 10 * 1024 ** 3 }],
    [
      ["smoke", "ghcr.io/a/b:v1", "--file", "s.yaml", "--junit", "j.xml"],
      { name: "smoke", options: { image: "ghcr.io/a/b:v1", file: "s.yaml", junit: "j.xml", json: false } },
    ],
  ])("%j", (argv, expected) => {
    expect(parseCommandLine(argv)).toEqual(expected);
  });

  it("turns run flags into a validated build request", () => {
    expect(
      parseCommandLine([
        "run",
        "worker",
        "--ref",
        "v0.11.0",
        "--tag",
        "a",
        "--tag",
        "b",
        "--platform",
        "linux/arm64",
        "--build-arg",
        "K=V=W",
        "--no-push",
        "--no-smoke",
        "--json",
      ]),
    ).toEqual({
      name: "run",
      options: {
        request: {
          target: "worker",
          ref: "v0.11.0",
          tags: ["a", "b"],
          platforms: ["linux/arm64"],
          buildArgs: { K: "V=W" },
          push: false,
          smoke: false,
          noCache: false,
        },
        json: true,
      },
    });
  });

  it.each([
    [["run"], "run needs a target name"],
    [["run", "worker", "--ref", "main", "--context", "."], "--ref and --context cannot be used together"],
    [["run", "worker", "--build-arg", "NOVALUE"], '--build-arg "NOVALUE" must look like KEY=VALUE'],
    [["run", "worker", "--ref=-x"], "ref: a ref must not start with '-'"],
    [["run", "worker", "--tag", "bad tag"], "tags.0"],
    [["run", "worker", "--bogus"], "Unknown option '--bogus'"],
    [["run", "worker", "extra"], 'unexpected argument "extra"'],
    [["smoke", "img"], "smoke needs --file"],
    [["smoke", "--file", "x"], "smoke needs an image reference"],
    [["cache", "prune", "--max-bytes", "lots"], "--max-bytes"],
    [["cache"], "cache needs the subcommand prune"],
    [["config"], "config needs a subcommand"],
    [["build"], 'unknown command "build"'],
  ])("%j is a usage error: %s", (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
