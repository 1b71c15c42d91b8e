// The environment container-structure-test's docker driver gives each process, argued
// from pkg/drivers/docker_driver.go (SetEnv, Setup's runAndCommit, ProcessCommand's exec)
// and Docker's env merge (the container's given env first, then the image's).
import { describe, expect, it } from "vitest";
import { fileTestEnv, mergeEnv, planCommandProcesses } from "../../../builder/src/smoke/container-env.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";

const IMAGE: [string, string][] = [
  ["PATH", "/usr/bin"],
  ["HOME", "/root"],
];

function plan(yaml: string, hostEnv: Record<string, string> = {}) {
  const file = parseSmokeFile(yaml);
  return planCommandProcesses(file, file.commandTests[0]!, IMAGE, hostEnv);
}

describe("mergeEnv", () => {
  it("keeps the first layer's value for a key and a later duplicate's value in its place", () => {
    expect(
      mergeEnv(
        [
          ["A", "1"],
          ["B", "2"],
          ["A", "3"],
        ],
        [
          ["B", "x"],
          ["C", "y"],
        ],
      ),
    ).toEqual([
      ["A", "3"],
      ["B", "2"],
      ["C", "y"],
    ]);
  });
});

describe("planCommandProcesses", () => {
  it("passes the test's envVars as written and expands argv against the image env", () => {
    const p = plan(`schemaVersion: "2.0.0"
commandTests:
  - {name: a, command: echo, args: [$HOME, "\${PATH}", $NOPE], envVars: [{key: X, value: $HOME}]}
`);
    expect(p.main).toEqual({ argv: ["echo", "/root", "/usr/bin", ""], overlay: [["X", "$HOME"]] });
    expect(p.setup).toEqual([]);
  });

  it("commits v2 globalEnvVars (expanded) into the image env, under the test's vars", () => {
    const p = plan(`schemaVersion: "2.0.0"
globalEnvVars: [{key: G, value: "$HOME/g"}, {key: X, value: global}]
commandTests:
  - {name: a, command: echo, args: [$G], envVars: [{key: X, value: test}]}
`);
    expect(p.main).toEqual({
      argv: ["echo", "/root/g"],
      overlay: [
        ["X", "test"],
        ["G", "/root/g"],
      ],
    });
  });

  it("gives setup the test's vars expanded, and commits them for the command", () => {
    const p = plan(`schemaVersion: "2.0.0"
commandTests:
  - {name: a, command: echo, args: [$X], setup: [[touch, $X], [true]], envVars: [{key: X, value: "$HOME/x"}]}
`);
    // Setup argv is not expanded by the driver; the shell of the image never sees it either.
    expect(p.setup).toEqual([
      { argv: ["touch", "$X"], overlay: [["X", "/root/x"]] },
      { argv: ["true"], overlay: [["X", "/root/x"]] },
    ]);
    // The command's container is given X as written; the committed, expanded X is in the image.
    expect(p.main).toEqual({ argv: ["echo", "/root/x"], overlay: [["X", "$HOME/x"]] });
  });

  it("replaces the test's vars with containerRunOptions.envVars taken from the runner's environment", () => {
    const p = plan(
      `schemaVersion: "2.0.0"
commandTests:
  - {name: a, command: env, envVars: [{key: T, value: t}]}
containerRunOptions: {envVars: [FOO, UNSET]}
`,
      { FOO: "keepitsecret!" },
    );
    expect(p.main.overlay).toEqual([["FOO", "keepitsecret!"]]);
  });

  it("gives v1 setup globalEnvVars and envVars, and does not commit globals otherwise", () => {
    const v1 = `schemaVersion: "1.0.0"
globalEnvVars: [{key: G, value: g}]
commandTests:
  - {name: a, command: [env], envVars: [{key: T, value: t}]SETUP}
`;
    expect(plan(v1.replace("SETUP", "")).main.overlay).toEqual([["T", "t"]]);
    const withSetup = plan(v1.replace("SETUP", ", setup: [[true]]"));
    expect(withSetup.setup[0]!.overlay).toEqual([
      ["G", "g"],
      ["T", "t"],
    ]);
    expect(withSetup.main.overlay).toEqual([
      ["T", "t"],
      ["G", "g"],
    ]);
  });
});

describe("fileTestEnv", () => {
  it("adds v2 globals to the env existence paths expand against", () => {
    const file = parseSmokeFile('schemaVersion: "2.0.0"\nglobalEnvVars: [{key: D, value: $HOME/d}]\n');
    expect(fileTestEnv(file, IMAGE)).toEqual({ D: "/root/d", PATH: "/usr/bin", HOME: "/root" });
  });
});
