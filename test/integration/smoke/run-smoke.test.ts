// runSmoke against the real stack: the fixture image is pushed to the htpasswd registry
// and tested by digest inside BuildKit, and tested again from an OCI layout (no push).
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SmokeSummary } from "../../../common/build-record.js";
import { SmokeError } from "../../../builder/src/smoke/errors.js";
import { runSmoke, type RunSmokeOptions } from "../../../builder/src/smoke/run-smoke.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";
import { BUSYBOX, PYTHON } from "../../helpers/stack-env.js";
import { buildSmokeFixture, DOCKER, type SmokeFixture } from "./fixture-image.js";

let fx: SmokeFixture;
beforeAll(async () => {
  fx = await buildSmokeFixture();
});
afterAll(async () => {
  await fx?.cleanup();
});

function smoke(yaml: string, overrides: Partial<RunSmokeOptions> = {}): Promise<SmokeSummary> {
  return runSmoke({
    file: parseSmokeFile(yaml),
    image: { kind: "registry", ref: fx.ref },
    docker: DOCKER,
    env: fx.env,
    ...overrides,
  });
}

function byName(summary: SmokeSummary, name: string) {
  const result = summary.results.find((r) => r.name === name);
  if (!result) throw new Error(`no result named ${JSON.stringify(name)} in ${JSON.stringify(summary)}`);
  return result;
}

describe("runSmoke on the real stack", () => {
  it("passes every kind of test against the pushed image by digest", async () => {
    const summary = await runSmoke({
      file: path.resolve("test/fixtures/smoke/passing.yaml"),
      image: { kind: "registry", ref: fx.ref },
      docker: DOCKER,
      env: fx.env,
    });
    expect(summary.results.filter((r) => !r.passed)).toEqual([]);
    expect(summary.failed).toBe(0);
    expect(summary.passed).toBe(9);
    // container-structure-test's order: command, file content, file existence, metadata.
    expect(summary.results.map((r) => r.kind)).toEqual([
      "command",
      "command",
      "fileContent",
      "fileExistence",
      "fileExistence",
      "fileExistence",
      "fileExistence",
      "fileExistence",
      "metadata",
    ]);
    expect(summary.image).toBe(fx.ref);
  });

  it("fails each kind with a message that says what failed, and still runs every test", async () => {
    const summary = await smoke(`
schemaVersion: "2.0.0"
commandTests:
  - name: wrong output
    command: echo
    args: ["Python 2.7"]
    expectedOutput: ["Python 3\\\\.1[0-9]"]
  - name: wrong exit code
    command: sh
    args: ["-c", "echo boom >&2; exit 2"]
  - name: missing program
    command: no-such-program
fileExistenceTests:
  - name: missing file
    path: /app/missing.txt
  - name: wrong mode
    path: /app/greeting.txt
    permissions: "-rwxr-xr-x"
    isExecutableBy: any
fileContentTests:
  - name: excluded content
    path: /app/greeting.txt
    excludedContents: ["hello"]
metadataTest:
  envVars: [{ key: GREETING, value: "bye" }]
  exposedPorts: ["9999"]
  user: root
`);
    expect(summary.passed).toBe(0);
    expect(summary.failed).toBe(7);
    expect(byName(summary, "wrong output").message).toBe(
      "expected output /Python 3\\.1[0-9]/ not found in stdout",
    );
    expect(byName(summary, "wrong output").output).toBe("Python 2.7\n");
    expect(byName(summary, "wrong exit code").message).toBe("exit code was 2, expected 0");
    expect(byName(summary, "wrong exit code").output).toContain("boom");
    expect(byName(summary, "missing program").message).toBe(
      'error creating container: exec: "no-such-program": executable file not found in $PATH',
    );
    expect(byName(summary, "missing file").message).toBe(
      "Error examining file in container: File /app/missing.txt not found in image",
    );
    expect(byName(summary, "wrong mode").message).toBe(
      "/app/greeting.txt has incorrect permissions. Expected: -rwxr-xr-x, Actual: -rw-r--r--; /app/greeting.txt has incorrect executable bit. Expected to be executable by any, Actual: -rw-r--r--",
    );
    expect(byName(summary, "excluded content").message).toBe(
      "excluded contents /hello/ found in /app/greeting.txt",
    );
    expect(byName(summary, "Metadata Test").message).toBe(
      "env var GREETING value hi there does not match expected value: bye; Image user 1000 does not match config user: root; Port 9999 not found in config (exposed: 8188)",
    );
  });

  it("runs checks with no network", async () => {
    const summary = await smoke(`
schemaVersion: "2.0.0"
commandTests:
  - name: only loopback exists
    command: cat
    args: ["/proc/net/dev"]
    excludedOutput: ["eth0"]
    expectedOutput: ["lo:"]
`);
    expect(summary.results).toMatchObject([{ passed: true }]);
  });

  it("keeps quotes, $, backticks, newlines and a heredoc-delimiter line as data", async () => {
    const tricky = 'it\'s "$HOME" `uname` $(id) \\ \nCB_SMOKE_EOF\nend';
    const summary = await smoke(
      JSON.stringify({
        schemaVersion: "2.0.0",
        commandTests: [
          { name: "name with 'quotes' and $dollar", command: "env", envVars: [{ key: "V", value: tricky }] },
          { name: "args", command: "echo", args: [tricky] },
        ],
      }),
    );
    expect(summary.results.filter((r) => !r.passed)).toEqual([]);
    // The test's env values reach the command as written; args expand against the image's
    // config, where $HOME is not set, so it expands to nothing, as in container-structure-test.
    expect(byName(summary, "name with 'quotes' and $dollar").output).toContain(`\nV=${tricky}\n`);
    expect(byName(summary, "args").output).toBe(`${tricky.replace('"$HOME"', '""')}\n`);
  });

  it("redacts secrets the caller names from outputs and messages", async () => {
    const summary = await smoke(
      `schemaVersion: "2.0.0"\ncommandTests: [{ name: leak, command: echo, args: ["token=s3cr3t-value"], exitCode: 1 }]\n`,
      { secrets: ["s3cr3t-value"] },
    );
    expect(summary.results[0]!.output).toBe("token=***\n");
    expect(JSON.stringify(summary)).not.toContain("s3cr3t-value");
  });

  it("ignores a setup command's exit status, fails one that cannot start, and a workingDir that does not exist", async () => {
    const summary = await smoke(`
schemaVersion: "2.0.0"
commandTests:
  - name: setup exits 4
    setup: [["sh", "-c", "echo cannot prepare >&2; exit 4"]]
    command: "true"
  - name: setup cannot start
    setup: [["no-such-setup"]]
    command: "true"
  - name: no such dir
    workingDir: /nowhere
    command: "true"
`);
    expect(byName(summary, "setup exits 4").passed).toBe(true);
    expect(byName(summary, "setup cannot start").message).toBe(
      'error in setup: command ["no-such-setup"] could not be started: exec: "no-such-setup": executable file not found in $PATH',
    );
    expect(byName(summary, "no such dir").message).toMatch(
      /^workingDir "\/nowhere" could not be entered: .*\/nowhere/,
    );
  });

  it("tests an OCI layout that was never pushed", async () => {
    const summary = await runSmoke({
      file: path.resolve("test/fixtures/smoke/passing.yaml"),
      image: { kind: "oci-layout", dir: fx.layoutDir },
      docker: DOCKER,
      env: fx.env,
    });
    expect(summary.results.filter((r) => !r.passed)).toEqual([]);
    expect(summary.passed).toBe(9);
    expect(summary.image).toBe(`oci-layout://${fx.layoutDir}`);
  });

  it("runs python in the python stand-in", async () => {
    const summary = await smoke(
      `
schemaVersion: "2.0.0"
commandTests:
  - name: python version
    command: python3
    args: ["-c", "import sys; print(sys.version)"]
    expectedOutput: ["^3\\\\.11\\\\."]
  - name: connecting out fails
    command: python3
    args: ["-c", "import socket; socket.create_connection(('192.0.2.1', 80), timeout=5)"]
    expectedError: ["Network is unreachable"]
    exitCode: 1
`,
      { image: { kind: "registry", ref: PYTHON() } },
    );
    expect(summary.results.filter((r) => !r.passed)).toEqual([]);
  });

  it("tests the requested platform of a multi-platform image (arm64 through QEMU)", async () => {
    const summary = await smoke(
      `
schemaVersion: "2.0.0"
commandTests:
  - name: machine
    command: uname
    args: ["-m"]
    expectedOutput: ["^aarch64\\n$"]
metadataTest:
  workdir: /
`,
      { image: { kind: "registry", ref: BUSYBOX() }, platform: "linux/arm64" },
    );
    expect(summary.results.filter((r) => !r.passed)).toEqual([]);
    expect(summary.passed).toBe(2);
  });

  it("runs a 3-test smoke file quickly", async () => {
    const started = Date.now();
    const summary = await smoke(`
schemaVersion: "2.0.0"
commandTests:
  - name: greets
    command: sh
    args: ["-c", "echo $GREETING"]
    expectedOutput: ["hi there"]
fileExistenceTests:
  - name: greeting exists
    path: /app/greeting.txt
fileContentTests:
  - name: greeting says hello
    path: /app/greeting.txt
    expectedContents: ["hello"]
`);
    const wallMs = Date.now() - started;
    console.log(`smoke: 3-test run took ${wallMs} ms (runSmoke reported ${summary.durationMs} ms)`);
    expect(summary.passed).toBe(3);
    // Target is 2.5 s on an idle machine; the bound leaves room for a busy shared CI box.
    expect(wallMs).toBeLessThan(10_000);
  });

  it("says so when the registry refuses the credentials", async () => {
    const error = await smoke(`schemaVersion: "2.0.0"\nmetadataTest: { user: "1000" }\n`, {
      env: fx.anonymousEnv,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmokeError);
    expect((error as SmokeError).code).toBe("SMOKE_IMAGE_UNAUTHORIZED");
    expect((error as SmokeError).message).toContain(fx.ref);
  });

  it("says so when the image does not exist", async () => {
    const missing = fx.ref.replace("/fixture@", "/missing@");
    const error = await smoke(`schemaVersion: "2.0.0"\nmetadataTest: { user: "1000" }\n`, {
      image: { kind: "registry", ref: missing },
    }).catch((e: unknown) => e);
    expect((error as SmokeError).code).toBe("SMOKE_IMAGE_NOT_FOUND");
  });

  it("runs command tests on an image without /bin/sh, as Docker starts them without a shell", async () => {
    const image = { kind: "oci-layout" as const, dir: fx.shellLessLayoutDir };
    const summary = await smoke(
      `schemaVersion: "2.0.0"
commandTests: [{ name: t, command: "true" }]
fileExistenceTests: [{ name: f, path: /Dockerfile, permissions: "-rw-r--r--", uid: 0 }]
metadataTest: { envVars: [{ key: ONLY, value: metadata }] }
`,
      { image },
    );
    expect(summary.results.map((r) => [r.name, r.passed, r.message])).toEqual([
      ["t", false, 'error creating container: exec: "true": executable file not found in $PATH'],
      ["f", true, undefined],
      ["Metadata Test", true, undefined],
    ]);
  });

  it("stops with SMOKE_CANCELLED when aborted", async () => {
    const controller = new AbortController();
    const running = smoke(
      `schemaVersion: "2.0.0"\ncommandTests: [{ name: slow, command: sleep, args: ["30"] }]\n`,
      // Abort once BuildKit has started the test's RUN step.
      { signal: controller.signal, onLine: (line) => /\[cb-test-0 .*RUN/.test(line) && controller.abort() },
    ).catch((e: unknown) => e);
    const error = await running;
    expect((error as SmokeError).code).toBe("SMOKE_CANCELLED");
  });
});
