import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";
import { planCommandProcesses } from "../../../builder/src/smoke/container-env.js";
import {
  buildSmokePlan,
  chooseDelimiter,
  listPlannedTests,
  usesImageEnv,
} from "../../../builder/src/smoke/plan.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";
import { buildCommandScript } from "../../../builder/src/smoke/script-command.js";
import { buildFileTestsScript } from "../../../builder/src/smoke/script-files.js";

const RUN = "3f0c2a9e-7d1b-4c55-9a10-0e6a5b2f8c41";
const REF = `127.0.0.1:5001/ns/img@sha256:${"a".repeat(64)}`;
const HOST = "0123456789ab";
const file = parseSmokeFile(`
schemaVersion: "2.0.0"
commandTests:
  - name: python
    command: python3
    args: ["-c", "import sys; print(sys.version)"]
  - name: never valid
    command: ""
fileExistenceTests:
  - name: app
    path: /app
fileContentTests:
  - name: release
    path: /etc/os-release
licenseTests:
  - files: [/usr/share/doc/x/copyright]
metadataTest:
  user: "1000"
`);
const image = {
  source: { kind: "registry", ref: REF } as const,
  runId: RUN,
  hostname: HOST,
  env: [],
  hostEnv: {},
};

describe("buildSmokePlan", () => {
  it("runs every script under the mounted busybox, commands one stage each, file tests together as root", () => {
    const plan = buildSmokePlan(file, image);
    expect(plan.buildContexts).toEqual({});
    expect(plan.tests.map((t) => [t.index, t.kind, t.name])).toEqual([
      [0, "command", "python"],
      [1, "command", "never valid"],
      [2, "fileContent", "release"],
      [3, "fileExistence", "app"],
      [4, "license", "License Test"],
    ]);
    const lines = plan.dockerfile.split("\n");
    expect(lines.slice(1, 4)).toEqual([
      `FROM ${REF} AS cb-base`,
      'SHELL ["/.cb-tools/busybox","sh","-c"]',
      "COPY cb-results/ /",
    ]);
    const run = "RUN --network=none --mount=type=bind,source=cb-tools,target=/.cb-tools <<'CB_SMOKE_EOF'";
    expect(plan.dockerfile).toContain(`FROM cb-base AS cb-test-0\n${run}\n# cb-smoke run ${RUN}\n`);
    // A test Validate() refuses fails without a container.
    expect(plan.dockerfile).not.toContain("cb-test-1");
    expect(plan.dockerfile).toContain(`FROM cb-base AS cb-files\nUSER 0:0\nWORKDIR /\n${run}\n`);
    expect(plan.dockerfile).toContain(
      "\nFROM scratch\nCOPY --from=cb-test-0 /.cb-smoke/ /\nCOPY --from=cb-files /.cb-smoke/ /\n",
    );
    expect(plan.dockerfile.match(/^RUN /gm)).toHaveLength(2);
    expect(plan.filesIndex).toBe(5);
  });

  it("runs command tests as containerRunOptions.user, or as the fallback user", () => {
    const withUser = parseSmokeFile(
      'schemaVersion: "2.0.0"\ncommandTests: [{name: a, command: id}]\ncontainerRunOptions: {user: root}\n',
    );
    expect(buildSmokePlan(withUser, image).dockerfile).toContain("FROM cb-base AS cb-test-0\nUSER root\n");
    expect(buildSmokePlan(withUser, { ...image, commandUser: "1000:0" }).dockerfile).toContain(
      "USER 1000:0\n",
    );
    expect(buildSmokePlan(withUser, { ...image, commandUser: null }).dockerfile).not.toContain("cb-test-0");
  });

  it("makes every run's scripts differ, so BuildKit never answers a test from its cache", () => {
    const a = buildSmokePlan(file, image).dockerfile;
    const b = buildSmokePlan(file, { ...image, runId: "another-run" }).dockerfile;
    expect(a).not.toBe(b);
    expect(a.split("\n").slice(0, 4)).toEqual(b.split("\n").slice(0, 4));
  });

  it("names an OCI layout through a build context with its digest", () => {
    const digest = `sha256:${"b".repeat(64)}`;
    const plan = buildSmokePlan(file, {
      ...image,
      source: { kind: "oci-layout", dir: "/tmp/layout" },
      digest,
    });
    expect(plan.buildContexts).toEqual({ "smoke-image": `oci-layout:///tmp/layout@${digest}` });
    expect(plan.dockerfile).toContain("FROM smoke-image AS cb-base");
  });

  it.each(["", "a b", "x\nRUN curl evil", "r".repeat(65)])("refuses the run id %j", (runId) => {
    expect(() => buildSmokePlan(file, { ...image, runId })).toThrow(/run id/);
  });

  it("keeps a value that looks like the heredoc delimiter from ending the script", () => {
    const evil = parseSmokeFile(
      JSON.stringify({
        schemaVersion: "2.0.0",
        commandTests: [{ name: "x", command: "echo", args: ["a\nCB_SMOKE_EOF\nRUN curl evil"] }],
      }),
      "s.json",
    );
    const plan = buildSmokePlan(evil, image);
    expect(plan.dockerfile).toContain("<<'CB_SMOKE_EOF_1'");
    expect(plan.dockerfile).toMatch(/\nCB_SMOKE_EOF_1\n/);
  });
});

describe("usesImageEnv: only then must the config be read before the build", () => {
  const parse = (yaml: string) => parseSmokeFile(`schemaVersion: "2.0.0"\n${yaml}`);
  it.each([
    ["a plain command", "commandTests: [{name: a, command: echo, args: [hi]}]", false],
    ["$VAR in args", "commandTests: [{name: a, command: echo, args: [$HOME]}]", true],
    ["${VAR} in the command", "commandTests: [{name: a, command: '${BIN}'}]", true],
    [
      "$VAR in a test env value without setup (passed as written)",
      "commandTests: [{name: a, command: env, envVars: [{key: A, value: $B}]}]",
      false,
    ],
    [
      "$VAR in a test env value with setup",
      "commandTests: [{name: a, command: env, setup: [[x]], envVars: [{key: A, value: $B}]}]",
      true,
    ],
    ["$VAR in a global env value", "globalEnvVars: [{key: A, value: $B}]", true],
    ["$VAR in an existence path", "fileExistenceTests: [{name: a, path: $HOME/x}]", true],
    ["$VAR in a content path (not expanded there)", "fileContentTests: [{name: a, path: $HOME/x}]", false],
    ["a lone $", "commandTests: [{name: a, command: echo, args: [a$]}]", false],
  ])("%s → %s", (_what, yaml, expected) => {
    expect(usesImageEnv(parse(yaml))).toBe(expected);
  });

  it("lists tests in container-structure-test's order", () => {
    expect(listPlannedTests(file).map((t) => t.kind)).toEqual([
      "command",
      "command",
      "fileContent",
      "fileExistence",
      "license",
    ]);
  });
});

describe("chooseDelimiter", () => {
  it.each([
    ["echo hi", "CB_SMOKE_EOF"],
    ["CB_SMOKE_EOF", "CB_SMOKE_EOF_1"],
    ["CB_SMOKE_EOF\nCB_SMOKE_EOF_1", "CB_SMOKE_EOF_2"],
  ])("for %j → %s", (script, expected) => {
    expect(chooseDelimiter(script)).toBe(expected);
  });
});

// The generated scripts, run for real by the host's static busybox with the results and
// tools paths pointed at a temp dir (inside an image they are /.cb-smoke and /.cb-tools).
async function runScript(script: string, env: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cb-script-"));
  try {
    const text = script.replaceAll("/.cb-smoke", dir).replaceAll("/.cb-tools/busybox", "/bin/busybox");
    const result = await run(["/bin/busybox", "sh", "-c", text], { env: { PATH: "/usr/bin:/bin", ...env } });
    const files: Record<string, string> = {};
    for (const name of await readdir(dir)) files[name] = await readFile(path.join(dir, name), "utf8");
    return { exitCode: result.exitCode, files };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("command scripts start processes as Docker does", () => {
  const command = (yaml: string) => parseSmokeFile(`schemaVersion: "2.0.0"\n${yaml}`);
  const script = (yaml: string, hostEnv = {}) => {
    const f = command(yaml);
    return buildCommandScript({
      index: 0,
      plan: planCommandProcesses(f, f.commandTests[0]!, [], hostEnv),
      hostname: HOST,
    });
  };

  it("gives the command the image's env plus HOSTNAME and the test's vars, nothing from the shell", async () => {
    const { files } = await runScript(
      script("commandTests: [{name: a, command: env, envVars: [{key: GREETING, value: $NOT_EXPANDED}]}]"),
      { IMAGE_VAR: "x" },
    );
    expect(files["0.rc"]).toBe("0\n");
    expect(files["0.out"]!.split("\n").filter(Boolean).sort()).toEqual(
      [`HOSTNAME=${HOST}`, "GREETING=$NOT_EXPANDED", "IMAGE_VAR=x", "PATH=/usr/bin:/bin"].sort(),
    );
  });

  it("keeps the image's own HOSTNAME, and lets the test override it", async () => {
    expect(
      (
        await runScript(script("commandTests: [{name: a, command: printenv, args: [HOSTNAME]}]"), {
          HOSTNAME: "img",
        })
      ).files["0.out"],
    ).toBe("img\n");
    const overridden = script(
      "commandTests: [{name: a, command: printenv, args: [HOSTNAME], envVars: [{key: HOSTNAME, value: t}]}]",
    );
    expect((await runScript(overridden)).files["0.out"]).toBe("t\n");
  });

  it("starts argv[0] as given, looked up in PATH (never a busybox applet)", async () => {
    const { files } = await runScript(script("commandTests: [{name: a, command: ls, args: [/nonexistent]}]"));
    expect(files["0.err"]).toMatch(/^ls: cannot access '\/nonexistent'/);
    expect(files["0.rc"]).toBe("2\n");
  });

  it("records a command that cannot be found, as a container that cannot start", async () => {
    const { files } = await runScript(script("commandTests: [{name: a, command: no-such-program}]"));
    expect(files["0.nostart"]).toBe('exec: "no-such-program": executable file not found in $PATH\n');
    expect(files["0.rc"]).toBe("127\n");
  });

  it("ignores a setup command's exit status but not a setup command that cannot start", async () => {
    const ok = await runScript(
      script(
        "commandTests: [{name: a, command: cat, args: [/nonexistent-x], setup: [[false], [sh, -c, 'exit 3']]}]",
      ),
    );
    expect(ok.files["0.setupfail"]).toBeUndefined();
    expect(ok.files["0.rc"]).toBe("1\n");
    const bad = await runScript(script("commandTests: [{name: a, command: true, setup: [[no-such-setup]]}]"));
    expect(bad.files["0.setupfail"]).toBe("0\n");
    expect(bad.files["0.rc"]).toBeUndefined();
  });

  it("never runs teardown, as the docker driver skips it", () => {
    const text = script(
      "commandTests: [{name: a, command: true, teardown: [[touch, /tmp/cb-teardown-ran]]}]",
    );
    expect(text).not.toContain("cb-teardown-ran");
  });

  it("passes containerRunOptions.envVars from the runner's environment instead of the test's vars", async () => {
    const text = script(
      "commandTests: [{name: a, command: env, envVars: [{key: TEST_VAR, value: t}]}]\ncontainerRunOptions: {envVars: [FOO, UNSET]}",
      { FOO: "keepitsecret!" },
    );
    const out = (await runScript(text)).files["0.out"]!;
    expect(out).toContain("FOO=keepitsecret!\n");
    expect(out).not.toContain("TEST_VAR");
    expect(out).not.toContain("UNSET");
  });
});

describe("the file tests script reads as Docker's archive API does", () => {
  it("reports mode, uid and gid, Docker's init layer, and content through symlinks", async () => {
    const { files } = await runScript(
      buildFileTestsScript(
        [
          { kind: "existence", index: 0, path: "/" },
          { kind: "existence", index: 1, path: "/etc/hosts" },
          { kind: "existence", index: 2, path: "/proc/self" },
          { kind: "existence", index: 3, path: "etc/../bin/busybox" },
          { kind: "existence", index: 4, path: "/bin/busybox/" },
          { kind: "existence", index: 5, path: "/etc/." },
          { kind: "content", index: 6, path: "/etc/hostname" },
          { kind: "content", index: 7, path: "/etc" },
          { kind: "content", index: 8, path: "/etc/mtab" },
          { kind: "license", index: 9, debian: false, files: ["/nonexistent"] },
        ],
        10,
      ),
    );
    expect(files["0.stat"]).toBe("41ed 0 0\n");
    expect(files["1.stat"]).toBe("81ed 0 0\n");
    expect(files["2.stat"]).toBe("missing\n");
    expect(files["3.stat"]).toBe("81ed 0 0\n");
    expect(files["4.stat"]).toBe("missing\n");
    expect(files["5.stat"]).toBe("missing\n");
    expect(files["6.out"]).toBe("");
    expect(files["7.readerr"]).toBe("Cannot read specified path: /etc is a directory, not a file\n");
    expect(files["8.readerr"]).toBe("File /proc/mounts not found in image\n");
    expect(files["9.lic"]).toBe(
      "Error reading license file for /nonexistent: File /nonexistent not found in image\n",
    );
    expect(files["10.ms"]).toMatch(/^[0-9.]+ [0-9.]+\n$/);
  });
});
