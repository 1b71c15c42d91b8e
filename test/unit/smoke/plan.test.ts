import { describe, expect, it } from "vitest";
import {
  buildSmokePlan,
  chooseDelimiter,
  listPlannedTests,
  usesImageEnv,
} from "../../../builder/src/smoke/plan.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";
import {
  buildCommandScript,
  buildExecLine,
  buildFileContentScript,
  buildFileExistenceScript,
} from "../../../builder/src/smoke/script.js";

const RUN = "3f0c2a9e-7d1b-4c55-9a10-0e6a5b2f8c41";
const REF = `127.0.0.1:5001/ns/img@sha256:${"a".repeat(64)}`;
const file = parseSmokeFile(`
schemaVersion: "2.0.0"
commandTests:
  - name: python
    command: python3
    args: ["-c", "import sys; print(sys.version)"]
fileExistenceTests:
  - name: app
    path: /app
fileContentTests:
  - name: release
    path: /etc/os-release
metadataTest:
  user: "1000"
`);

describe("buildSmokePlan", () => {
  it("copies in the results dir, never switches USER, and runs each test in its own no-network stage", () => {
    const plan = buildSmokePlan(file, { source: { kind: "registry", ref: REF }, runId: RUN, env: {} });
    expect(plan.buildContexts).toEqual({});
    expect(plan.tests.map((t) => [t.index, t.kind, t.name])).toEqual([
      [0, "command", "python"],
      [1, "fileExistence", "app"],
      [2, "fileContent", "release"],
    ]);
    const lines = plan.dockerfile.split("\n");
    expect(lines.slice(1, 4)).toEqual([
      `FROM ${REF} AS cb-base`,
      'SHELL ["/bin/sh", "-c"]',
      "COPY cb-results/ /",
    ]);
    expect(plan.dockerfile).not.toContain("USER");
    for (const n of [0, 1, 2]) {
      expect(plan.dockerfile).toContain(
        `FROM cb-base AS cb-test-${n}\nRUN --network=none <<'CB_SMOKE_EOF'\n# cb-smoke run ${RUN}\n`,
      );
      expect(plan.dockerfile).toContain(`COPY --from=cb-test-${n} /.cb-smoke/ /`);
    }
    expect(plan.dockerfile).toContain("\nFROM scratch\n");
    expect(plan.dockerfile.match(/^RUN /gm)).toHaveLength(3);
    expect(plan.dockerfile.match(/^RUN (?!--network=none )/gm)).toBeNull();
  });

  it("makes every run's check scripts differ, so BuildKit never answers a check from its cache", () => {
    const a = buildSmokePlan(file, { source: { kind: "registry", ref: REF }, runId: "run-a", env: {} });
    const b = buildSmokePlan(file, { source: { kind: "registry", ref: REF }, runId: "run-b", env: {} });
    const base = (d: string) => d.slice(0, d.indexOf("\nFROM cb-base"));
    expect(base(a.dockerfile)).toBe(base(b.dockerfile));
    expect(a.dockerfile.match(/^# cb-smoke run run-a$/gm)).toHaveLength(3);
    expect(b.dockerfile).not.toContain("run-a");
  });

  it("names an OCI layout through a build context with its digest", () => {
    const digest = `sha256:${"b".repeat(64)}`;
    const plan = buildSmokePlan(file, {
      source: { kind: "oci-layout", dir: "/var/builds/b1/oci" },
      digest,
      runId: RUN,
      env: {},
    });
    expect(plan.dockerfile).toContain("FROM smoke-image AS cb-base");
    expect(plan.buildContexts).toEqual({ "smoke-image": `oci-layout:///var/builds/b1/oci@${digest}` });
  });

  it.each(["", "a b", "x\nRUN curl evil", "r".repeat(65)])("refuses the run id %j", (runId) => {
    expect(() => buildSmokePlan(file, { source: { kind: "registry", ref: REF }, runId, env: {} })).toThrow(
      "the run id must be",
    );
  });

  it("keeps a value that looks like the heredoc delimiter from ending the script", () => {
    const tricky = parseSmokeFile(
      JSON.stringify({
        schemaVersion: "2.0.0",
        commandTests: [{ name: "t", command: "echo", args: ["x\nCB_SMOKE_EOF\ny"] }],
      }),
    );
    const plan = buildSmokePlan(tricky, { source: { kind: "registry", ref: REF }, runId: RUN, env: {} });
    expect(plan.dockerfile).toContain("<<'CB_SMOKE_EOF_1'\n");
    expect(plan.dockerfile).toContain("\nCB_SMOKE_EOF_1\n");
  });

  it("lists tests in container-structure-test order", () => {
    expect(listPlannedTests(file).map((t) => t.kind)).toEqual(["command", "fileExistence", "fileContent"]);
  });
});

describe("usesImageEnv", () => {
  const command = (extra: Record<string, unknown>) =>
    JSON.stringify({ schemaVersion: "2.0.0", commandTests: [{ name: "t", command: "echo", ...extra }] });
  it.each([
    [
      "no tests",
      `{"schemaVersion": "2.0.0", "metadataTest": {"envVars": [{"key": "A", "value": "$B"}]}}`,
      false,
    ],
    ["plain words", command({ args: ["a", "b c"], workingDir: "/app" }), false],
    ["a lone $ and $1 expand to nothing of the image's", command({ args: ["5$", "$1", "$"] }), false],
    ["$VAR in an arg", command({ args: ["$HOME"] }), true],
    [
      "${VAR} in the command",
      JSON.stringify({ schemaVersion: "2.0.0", commandTests: [{ name: "t", command: "${BIN}" }] }),
      true,
    ],
    ["in setup", command({ setup: [["sh", "-c", "echo $X"]] }), true],
    ["in teardown", command({ teardown: [["rm", "$TMP/x"]] }), true],
    ["in an envVar value", command({ envVars: [{ key: "A", value: "x$PATH" }] }), true],
    ["in workingDir", command({ workingDir: "$APP_HOME" }), true],
    [
      "in a file existence path",
      `{"schemaVersion": "2.0.0", "fileExistenceTests": [{"name": "f", "path": "$HOME/x"}]}`,
      true,
    ],
    [
      "in a file content path",
      `{"schemaVersion": "2.0.0", "fileContentTests": [{"name": "f", "path": "\${D}/x"}]}`,
      true,
    ],
  ])("%s → %s", (_what, text, expected) => {
    expect(usesImageEnv(parseSmokeFile(text))).toBe(expected);
  });
});

describe("chooseDelimiter", () => {
  it.each([
    ["echo hi", "CB_SMOKE_EOF"],
    ["a\nCB_SMOKE_EOF\nb", "CB_SMOKE_EOF_1"],
    ["CB_SMOKE_EOF\nCB_SMOKE_EOF_1", "CB_SMOKE_EOF_2"],
    ["xCB_SMOKE_EOF", "CB_SMOKE_EOF"],
  ])("for %j is %s", (script, expected) => {
    expect(chooseDelimiter(script)).toBe(expected);
  });
});

describe("test scripts", () => {
  it("execs argv in a subshell with the test's env vars, all expanded against the image env and quoted", () => {
    expect(
      buildExecLine(["sh", "-c", "echo $GREETING it's"], [{ key: "MODE", value: "$APP-x" }], {
        GREETING: "hi",
        APP: "/app",
      }),
    ).toBe(`( set -- 'sh' '-c' 'echo hi it'\\''s'; export MODE='/app-x'; exec "$@" )`);
  });

  it("runs setup, command and teardown in order, each guarded, and always exits 0", () => {
    const [test] = parseSmokeFile(`
schemaVersion: "2.0.0"
commandTests:
  - name: t
    workingDir: $APP/data
    setup: [["touch", "/tmp/a"]]
    teardown: [["rm", "/tmp/a"]]
    command: ls
`).commandTests;
    const script = buildCommandScript(4, test!, { APP: "/app" });
    expect(script.split("\n")).toEqual([
      "read __cb_t0 __cb_rest </proc/uptime 2>/dev/null || __cb_t0=0",
      "__cb_ok=1",
      "if ! cd -- '/app/data' 2>/dev/null; then __cb_ok=0; (cd -- '/app/data') 2>/.cb-smoke/4.wd; fi",
      `if [ $__cb_ok = 1 ]; then ( set -- 'touch' '/tmp/a'; exec "$@" ) </dev/null >>/.cb-smoke/4.setup 2>&1 || { echo "0 $?" >/.cb-smoke/4.setupfail; __cb_ok=0; }; fi`,
      `if [ $__cb_ok = 1 ]; then ( set -- 'ls'; exec "$@" ) </dev/null >/.cb-smoke/4.out 2>/.cb-smoke/4.err; echo $? >/.cb-smoke/4.rc; fi`,
      `if [ -e /.cb-smoke/4.rc ]; then ( set -- 'rm' '/tmp/a'; exec "$@" ) </dev/null >>/.cb-smoke/4.teardown 2>&1 || echo "0 $?" >>/.cb-smoke/4.teardownfail; fi`,
      "read __cb_t1 __cb_rest </proc/uptime 2>/dev/null || __cb_t1=0",
      'echo "$__cb_t0 $__cb_t1" >/.cb-smoke/4.ms',
      "exit 0",
    ]);
  });

  it("only stats a file when a mode or owner check needs it", () => {
    const plain = buildFileExistenceScript(0, { name: "a", path: "/x", shouldExist: true }, {});
    const withMode = buildFileExistenceScript(0, { name: "a", path: "-odd", shouldExist: true, uid: 0 }, {});
    expect(plain).not.toContain("stat ");
    expect(withMode).toContain("stat -c '%f %u %g' \"$__cb_p\"");
    expect(withMode).toContain("__cb_p='-odd'\ncase $__cb_p in -*) __cb_p=./$__cb_p;; esac");
  });

  it("reads file contents through a redirect, not an argument", () => {
    const script = buildFileContentScript(
      2,
      { name: "c", path: "$HOME/f", expectedContents: [], excludedContents: [] },
      { HOME: "/root" },
    );
    expect(script).toContain("__cb_p='/root/f'");
    expect(script).toContain('cat 2>/.cb-smoke/2.err >/.cb-smoke/2.out <"$__cb_p"; echo $? >/.cb-smoke/2.rc');
  });
});
