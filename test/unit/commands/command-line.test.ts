import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../../builder/src/commands/command-line.js";

describe("parseCommandLine", () => {
  it.each([
    [["--version"], { name: "version" }],
    [["serve"], { name: "serve" }],
    [["config", "check"], { name: "config-check" }],
    [
      ["config", "check", "deploy/builder.config.json"],
      { name: "config-check", file: "deploy/builder.config.json" },
    ],
    [["config", "schema"], { name: "config-schema" }],
    [["cache", "prune"], { name: "cache-prune" }],
    [["cache", "ls"], { name: "cache-ls", json: false }],
    [["cache", "ls", "--json"], { name: "cache-ls", json: true }],
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
        },
        json: true,
      },
    });
  });

  it.each([
    [["run"], "run needs a target name"],
    [["run", "worker", "--ref", "main", "--context", "."], "--ref and --context cannot be used together"],
    [["run", "worker", "--build-arg", "NOVALUE"], '--build-arg "NOVALUE" is not KEY=VALUE'],
    [["run", "worker", "--ref=-x"], `--ref "-x" is not valid: a ref must not start with '-'`],
    [["run", "worker", "--ref", "-x"], 'the next argument is the flag "-x"'],
    [["run", "worker", "--tag", "bad tag"], '--tag "bad tag" is not valid'],
    [["run", "worker", "--bogus"], "unknown flag --bogus for run"],
    [["run", "worker", "--no-psuh"], "unknown flag --no-psuh for run; did you mean --no-push?"],
    [["run", "worker", "--json=yes"], "--json takes no value"],
    [["run", "worker", "extra"], 'run takes at most 1 argument, got "extra" too'],
    [["smoke", "img"], "smoke needs --file"],
    [["smoke", "--file", "x"], "smoke needs an image reference"],
    [["cache", "prune", "--max-bytes", "lots"], "--max-bytes"],
    [["cache"], "cache needs a subcommand: ls or prune (got nothing)"],
    [["cache", "list"], 'cache needs a subcommand: ls or prune (got "list"; did you mean ls?)'],
    [["cache", "prune", "--max-byte", "1"], "did you mean --max-bytes?"],
    [["cache", "ls", "extra"], 'cache ls takes no arguments, got "extra" too'],
    [["config"], "config needs a subcommand"],
    [["config", "chek"], "did you mean check?"],
    [["config", "schema", "x"], "config schema takes no arguments"],
    [["build"], '"build" is not a command; commands: serve, run, smoke, config, cache'],
    [["srve"], '"srve" is not a command; did you mean serve?'],
    [["--verison"], "unknown flag --verison; did you mean --version?"],
    [["help", "nope"], '"nope" is not a command'],
    [["help", "cache", "nope"], "cache needs a subcommand"],
  ])("%j is a usage error: %s", (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

describe("help", () => {
  const text = (argv: string[]) => {
    const cmd = parseCommandLine(argv);
    if (cmd.name !== "help") throw new Error(`expected help, got ${cmd.name}`);
    return cmd.text;
  };

  it.each([[[]], [["--help"]], [["-h"]], [["help"]]])("%j prints the general help", (argv) => {
    expect(text(argv)).toContain("Commands:");
  });

  // Every command, as `<command> --help`, `<command> <sub> --help` and `help <command> [<sub>]`:
  // its own text (with its usage line and an example), never the general help or the command itself.
  it.each([
    [["serve"], "comfyume-builder serve"],
    [["run"], "comfyume-builder run <target>"],
    [["smoke"], "comfyume-builder smoke <image-ref>"],
    [["config", "check"], "comfyume-builder config check [FILE]"],
    [["config", "schema"], "comfyume-builder config schema"],
    [["cache", "ls"], "comfyume-builder cache ls"],
    [["cache", "prune"], "comfyume-builder cache prune [--max-bytes N]"],
  ])("%j has its own help", (words, usage) => {
    for (const argv of [
      [...words, "--help"],
      [...words, "-h"],
      ["help", ...words],
      // --help wins over anything else on the line, even a flag that would be an error.
      [...words, "--bogus", "--help"],
    ]) {
      const help = text(argv);
      expect(help, argv.join(" ")).toContain(`Usage: comfyume-builder ${words[0]}`);
      expect(help).toContain(usage);
      expect(help).toMatch(/Examples?:/);
      expect(help).not.toContain("Commands:");
    }
  });

  it("documents in run's help the flags run takes, from the same table as submit", () => {
    const help = text(["run", "--help"]);
    for (const flag of [
      "--ref",
      "--context",
      "--tag",
      "--platform",
      "--build-arg",
      "--no-push",
      "--no-smoke",
      "--no-cache",
      "--json",
    ]) {
      expect(help).toContain(flag);
    }
  });
});
