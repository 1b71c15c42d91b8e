import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../../trigger/src/cli/parse-args.js";
import { TriggerError } from "../../../trigger/src/errors.js";

async function run(argv: string[]) {
  const inv = await parseCommandLine(argv);
  if (inv.kind !== "run") throw new Error("expected a command");
  return inv.command;
}

describe("parseCommandLine", () => {
  it.each([
    [
      ["submit", "worker"],
      // Defaults are left out of the request: the target's config decides them.
      { name: "submit", request: { target: "worker" }, detach: false, json: false },
    ],
    [
      [
        "submit",
        "worker",
        "--ref",
        "v0.11.0",
        "--tag",
        "v0.11.0",
        "--tag",
        "latest",
        "--platform",
        "linux/amd64",
        "--build-arg",
        "A=1",
        "--build-arg",
        "B=x=y",
        "--no-push",
        "--no-smoke",
        "--no-cache",
        "--json",
        "--idempotency-key",
        "k-1",
      ],
      {
        request: {
          target: "worker",
          ref: "v0.11.0",
          tags: ["v0.11.0", "latest"],
          platforms: ["linux/amd64"],
          buildArgs: { A: "1", B: "x=y" },
          push: false,
          smoke: false,
          noCache: true,
        },
        json: true,
        idempotencyKey: "k-1",
      },
    ],
    [["submit", "frontend", "--context", "./ctx", "--detach"], { context: "./ctx", detach: true }],
    [["status", "b_01ABC", "--json"], { name: "status", id: "b_01ABC", json: true }],
    [
      ["list", "--target", "worker", "--status", "failed", "--limit", "5"],
      { name: "list", target: "worker", status: "failed", limit: 5 },
    ],
    [["list", "--cursor", "b_01ABC"], { name: "list", cursor: "b_01ABC" }],
    [["list", "--limit=5", "--json"], { name: "list", limit: 5, json: true }],
    [["logs", "b_1", "--follow"], { name: "logs", id: "b_1", follow: true }],
    [["logs", "b_1", "-f"], { follow: true }],
    [["cancel", "b_1"], { name: "cancel", id: "b_1" }],
    [["retry", "b_1", "--detach"], { name: "retry", id: "b_1", detach: true }],
    [["submit", "w", "--bind"], { bind: true }],
    [["submit", "w", "--no-bind", "--detach"], { bind: false, detach: true }],
    [["retry", "b_1", "--bind"], { name: "retry", bind: true }],
    [["retry", "b_1", "--no-bind"], { name: "retry", bind: false }],
    [["targets", "--json"], { name: "targets", json: true }],
    [
      ["schedule", "--target", "worker", "--target", "frontend"],
      { name: "schedule", targets: ["worker", "frontend"] },
    ],
    [["schedule"], { name: "schedule", targets: [], changedOnly: false }],
    [["schedule", "--changed-only"], { name: "schedule", targets: [], changedOnly: true }],
    [
      [
        "targets",
        "--url",
        "https://containers.datacrunch.io/comfyume-builder",
        "--token",
        "t",
        "--wait-ready",
        "0",
      ],
      { connection: { url: "https://containers.datacrunch.io/comfyume-builder", token: "t", waitReady: 0 } },
    ],
  ])("%j parses", async (argv, expected) => {
    expect(await run(argv)).toMatchObject(expected);
  });

  it("leaves binding to serverless mode when neither --bind nor --no-bind is given", async () => {
    expect(await run(["submit", "w"])).not.toHaveProperty("bind");
    expect(await run(["retry", "b_1"])).not.toHaveProperty("bind");
  });

  it.each([
    [[], "comfyume-build: start builds"],
    [["--help"], "Commands:"],
    [["submit", "--help"], "--idempotency-key"],
    [["submit", "--help"], "--no-bind"],
    [["retry", "--help"], "SERVERLESS_API_KEY is set"],
    [["schedule", "-h"], "cron"],
    [["logs", "--help"], "--follow"],
  ])("%j prints help", async (argv, text) => {
    const inv = await parseCommandLine(argv);
    expect(inv.kind).toBe("help");
    expect(inv.kind === "help" && inv.text).toContain(text);
  });

  it("has its own help with an example for every command, as <cmd> --help, <cmd> -h and help <cmd>", async () => {
    for (const name of ["submit", "status", "list", "logs", "cancel", "retry", "targets", "schedule"]) {
      for (const argv of [
        [name, "--help"],
        [name, "-h"],
        ["help", name],
        [name, "--bogus", "--help"],
      ]) {
        const inv = await parseCommandLine(argv);
        const text = inv.kind === "help" ? inv.text : "";
        expect(text, argv.join(" ")).toContain(`Usage: comfyume-build ${name}`);
        expect(text).toMatch(/Examples?:/);
        expect(text).not.toContain("Commands:");
      }
    }
  });

  it("answers --version", async () => {
    expect(await parseCommandLine(["--version"])).toEqual({ kind: "version" });
  });

  it.each([
    [["build"], /"build" is not a command/],
    [["submit"], /submit takes exactly <target>/],
    [["submit", "Worker!"], /<target> "Worker!" is not valid/],
    [["submit", "w", "--ref=-x"], /--ref "-x" is not valid: a ref must not start with '-'/],
    [["submit", "w", "--ref", "-x"], /--ref needs a value, but the next argument is the flag "-x"/],
    [["submit", "w", "--ref", "a..b"], /--ref "a..b"/],
    [["submit", "w", "--tag", ".bad"], /--tag ".bad" is not valid/],
    [["submit", "w", "--platform", "amd64"], /--platform "amd64" is not valid/],
    [["submit", "w", "--build-arg", "NOEQ"], /--build-arg "NOEQ" is not KEY=VALUE/],
    [["submit", "w", "--build-arg", "1A=x"], /--build-arg "1A" is not valid/],
    [["submit", "w", "--ref", "main", "--context", "."], /--ref and --context cannot be used together/],
    [["submit", "w", "--detach", "--json"], /--detach and --json/],
    [["submit", "w", "--idempotency-key", "has space"], /--idempotency-key "has space"/],
    [["submit", "w", "--bogus"], /unknown flag --bogus for submit \(see `comfyume-build submit --help`\)/],
    [["submit", "w", "--tga", "x"], /unknown flag --tga for submit; did you mean --tag\?/],
    [["submit", "w", "--detatch"], /did you mean --detach\?/],
    [["submit", "w", "--json=yes"], /--json takes no value/],
    [["list", "--follow"], /list has no flag --follow \(it is a flag of logs\)/],
    [["list", "--cursor", ""], /--cursor "" is not a cursor/],
    [["list", "--status", "faild"], /--status "faild" is not a status; did you mean failed\?/],
    [["sumbit", "w"], /"sumbit" is not a command; did you mean submit\?/],
    [["stats", "b_1"], /did you mean status\?/],
    [["--verison"], /unknown flag --verison; did you mean --version\?/],
    [["help", "sumbit"], /"sumbit" is not a command; did you mean submit\?/],
    [["submit", "w", "--bind", "--no-bind"], /--bind and --no-bind cannot be used together/],
    [["submit", "w", "--bind", "--detach"], /--bind and --detach cannot be used together/],
    [["retry", "b_1", "--bind", "--detach"], /--bind and --detach/],
    [["status", "b_1", "--bind"], /status has no flag --bind \(it is a flag of submit, retry\)/],
    [["submit", "w", "--tag"], /--tag/],
    [["list", "--status", "done"], /--status "done" is not a status; use one of queued/],
    [["list", "--limit", "0"], /--limit "0" is not a whole number from 1 to 500/],
    [["list", "--limit", "501"], /--limit "501"/],
    [["list", "--limit", "ten"], /--limit "ten"/],
    [["targets", "--wait-ready", "-1"], /--wait-ready/],
    [["targets", "--wait-ready", "1.5"], /--wait-ready "1.5"/],
    [["targets", "--token", ""], /--token must not be empty/],
    [["status", "a/b"], /<id> "a\/b" is not a build id/],
    [["status"], /status takes exactly <id>/],
    [["targets", "extra"], /targets takes no positional arguments/],
    [["schedule", "--target", "BAD"], /--target "BAD"/],
    [["logs", "b_1", "--json"], /logs has no flag --json \(it is a flag of submit, status/],
  ])("%j is a usage error", async (argv, message) => {
    let err: unknown;
    try {
      await parseCommandLine(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TriggerError);
    expect((err as TriggerError).exitCode).toBe(2);
    expect((err as TriggerError).message).toMatch(message);
  });
});
