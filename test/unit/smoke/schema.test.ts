import { describe, expect, it } from "vitest";
import { SmokeError } from "../../../builder/src/smoke/errors.js";
import { hasImageTests, parseSmokeFile, parseSmokeObject } from "../../../builder/src/smoke/schema.js";
import { allowedKeysAt, formatPath, suggestField } from "../../../builder/src/smoke/schema-errors.js";
import { smokeFileSchema } from "../../../builder/src/smoke/schema.js";

function errorOf(text: string): SmokeError {
  try {
    parseSmokeFile(text, "smoke.yaml");
  } catch (err) {
    if (err instanceof SmokeError) return err;
    throw err;
  }
  throw new Error("expected the file to be rejected");
}

describe("parseSmokeFile: valid files", () => {
  it("applies container-structure-test defaults", () => {
    const file = parseSmokeFile(`
schemaVersion: "2.0.0"
commandTests:
  - name: version
    command: python3
fileExistenceTests:
  - name: exists
    path: /app
fileContentTests:
  - name: content
    path: /etc/os-release
`);
    expect(file.commandTests[0]).toEqual({
      name: "version",
      command: "python3",
      setup: [],
      teardown: [],
      args: [],
      envVars: [],
      expectedOutput: [],
      excludedOutput: [],
      expectedError: [],
      excludedError: [],
      exitCode: 0,
    });
    expect(file.fileExistenceTests[0]).toEqual({ name: "exists", path: "/app", shouldExist: true });
    expect(file.fileContentTests[0]).toEqual({
      name: "content",
      path: "/etc/os-release",
      expectedContents: [],
      excludedContents: [],
    });
    expect(file.metadataTest).toBeUndefined();
    expect(hasImageTests(file)).toBe(true);
  });

  it("reads JSON as well as YAML, with every supported field", () => {
    const file = parseSmokeFile(
      JSON.stringify({
        schemaVersion: "2.0.0",
        commandTests: [
          {
            name: "all",
            setup: [["sh", "-c", "true"]],
            teardown: [["rm", "-f", "/tmp/x"]],
            command: "sh",
            args: ["-c", "echo hi"],
            envVars: [{ key: "A_1", value: "x" }],
            workingDir: "/tmp",
            expectedOutput: ["hi"],
            excludedOutput: ["bye"],
            expectedError: [],
            excludedError: ["(?i)error"],
            exitCode: 0,
          },
        ],
        fileExistenceTests: [
          {
            name: "f",
            path: "/x",
            shouldExist: true,
            permissions: "-rwxr-xr-x",
            uid: 0,
            gid: 0,
            isExecutableBy: "any",
          },
        ],
        metadataTest: {
          envVars: [{ key: "PATH", value: "/usr/.*", isRegex: true }],
          labels: [{ key: "a", value: "b" }],
          exposedPorts: ["8188"],
          entrypoint: [],
          cmd: ["python3"],
          workdir: "/app",
          user: "1000",
        },
      }),
    );
    expect(file.commandTests[0]!.workingDir).toBe("/tmp");
    expect(file.metadataTest!.envVars[0]).toEqual({ key: "PATH", value: "/usr/.*", isRegex: true });
    expect(file.metadataTest!.labels[0]).toEqual({ key: "a", value: "b", isRegex: false });
  });

  it("accepts a metadata-only file, which needs no shell in the image", () => {
    const file = parseSmokeFile('schemaVersion: "2.0.0"\nmetadataTest:\n  user: "1000"\n');
    expect(hasImageTests(file)).toBe(false);
  });
});

describe("parseSmokeFile: every unsupported or invalid field is named with its path", () => {
  const cases: [string, string, string][] = [
    [
      "a typo in a command test",
      `schemaVersion: "2.0.0"\ncommandTests:\n  - {name: a, command: x}\n  - {name: b, command: x, expectedOuput: [y]}\n`,
      "commandTests[1].expectedOuput is not a supported field; did you mean expectedOutput?",
    ],
    [
      "a typo at the top level",
      `schemaVersion: "2.0.0"\ncommandTest: []\n`,
      "commandTest is not a supported field; did you mean commandTests?",
    ],
    [
      "licenseTests",
      `schemaVersion: "2.0.0"\nlicenseTests:\n  - debian: true\n`,
      "licenseTests is not a supported field: license tests are not supported here.",
    ],
    [
      "globalEnvVars",
      `schemaVersion: "2.0.0"\nglobalEnvVars: []\n`,
      "globalEnvVars is not a supported field: set env vars per command test with envVars instead.",
    ],
    [
      "containerRunOptions",
      `schemaVersion: "2.0.0"\ncontainerRunOptions: {user: root}\n`,
      "containerRunOptions is not a supported field: tests run inside BuildKit, not with docker run, so there are no run options.",
    ],
    [
      "metadataTest.volumes",
      `schemaVersion: "2.0.0"\nmetadataTest:\n  volumes: [/data]\n`,
      "metadataTest.volumes is not a supported field: volume checks are not supported.",
    ],
    [
      "metadataTest.env (old name)",
      `schemaVersion: "2.0.0"\nmetadataTest:\n  env: []\n`,
      "metadataTest.env is not a supported field: it is the old name of metadataTest.envVars; use envVars.",
    ],
    [
      "unboundEnvVars",
      `schemaVersion: "2.0.0"\nmetadataTest:\n  unboundEnvVars: []\n`,
      "metadataTest.unboundEnvVars is not a supported field: only envVars is supported in metadataTest.",
    ],
    [
      "a field in an env var",
      `schemaVersion: "2.0.0"\ncommandTests:\n  - name: a\n    command: x\n    envVars: [{key: A, value: b, isRegex: true}]\n`,
      "commandTests[0].envVars[0].isRegex is not a supported field; supported fields here are key, value.",
    ],
    [
      "a case typo in a file existence test",
      `schemaVersion: "2.0.0"\nfileExistenceTests:\n  - {name: a, path: /x, shouldexist: false}\n`,
      "fileExistenceTests[0].shouldexist is not a supported field; did you mean shouldExist?",
    ],
    [
      "a wrong schemaVersion",
      `schemaVersion: "1.0.0"\n`,
      'schemaVersion must be "2.0.0" (the container-structure-test format version).',
    ],
    ["a missing schemaVersion", `commandTests: []\n`, "schemaVersion is required."],
    [
      "a missing command",
      `schemaVersion: "2.0.0"\ncommandTests:\n  - name: a\n`,
      "commandTests[0].command is required (a string).",
    ],
    [
      "a number where a list is expected",
      `schemaVersion: "2.0.0"\ncommandTests:\n  - {name: a, command: x, args: 3}\n`,
      "commandTests[0].args must be an array, not 3.",
    ],
    [
      "an invalid regex",
      `schemaVersion: "2.0.0"\ncommandTests:\n  - {name: a, command: x, expectedOutput: ["(unclosed"]}\n`,
      'commandTests[0].expectedOutput[0]: "(unclosed" is not a valid regular expression',
    ],
    [
      "an unknown isExecutableBy",
      `schemaVersion: "2.0.0"\nfileExistenceTests:\n  - {name: a, path: /x, isExecutableBy: everyone}\n`,
      "fileExistenceTests[0].isExecutableBy: isExecutableBy is one of owner, group, other, any.",
    ],
    [
      "octal permissions",
      `schemaVersion: "2.0.0"\nfileExistenceTests:\n  - {name: a, path: /x, permissions: "0755"}\n`,
      "permissions look like '-rwxr-xr-x'",
    ],
    [
      "an empty setup command",
      `schemaVersion: "2.0.0"\ncommandTests:\n  - {name: a, command: x, setup: [[]]}\n`,
      "commandTests[0].setup[0]: a setup or teardown command must not be empty",
    ],
    [
      "an empty env value",
      `schemaVersion: "2.0.0"\ncommandTests:\n  - {name: a, command: x, envVars: [{key: A, value: ""}]}\n`,
      "commandTests[0].envVars[0].value: an env var value must not be empty.",
    ],
    [
      "an env key that is not a name",
      `schemaVersion: "2.0.0"\ncommandTests:\n  - {name: a, command: x, envVars: [{key: "A B", value: c}]}\n`,
      "commandTests[0].envVars[0].key: an environment variable name is letters",
    ],
    [
      "an empty test name",
      `schemaVersion: "2.0.0"\nfileContentTests:\n  - {name: " ", path: /x}\n`,
      "fileContentTests[0].name: every test needs a non-empty name.",
    ],
    ["YAML syntax", `schemaVersion: "2.0.0"\ncommandTests: [\n`, "smoke.yaml is not valid YAML or JSON"],
    [
      "a duplicate key",
      `schemaVersion: "2.0.0"\nschemaVersion: "2.0.0"\n`,
      "smoke.yaml is not valid YAML or JSON",
    ],
    ["a list", `- a\n`, "must be a mapping"],
    ["an empty file", ``, "must be a mapping"],
  ];
  it.each(cases)("rejects %s", (_what, text, message) => {
    const error = errorOf(text);
    expect(error.code).toBe("SMOKE_FILE_INVALID");
    expect(error.message).toContain(message);
  });

  it("lists every problem at once, each with its path", () => {
    const error = errorOf(
      `schemaVersion: "2.0.0"\ncommandTests:\n  - {name: a, command: x, exitcode: 1, expectedOuput: [y]}\nlicenseTests: []\n`,
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      "commandTests[0].exitcode",
      "commandTests[0].expectedOuput",
      "licenseTests",
    ]);
    expect(error.message).toMatch(/^smoke.yaml is not a valid smoke file:\n {2}/);
  });

  it("validates objects that were decoded elsewhere", () => {
    expect(() => parseSmokeObject({ schemaVersion: "2.0.0", extra: 1 }, "target worker")).toThrow(
      /target worker is not a valid smoke file:\n {2}extra is not a supported field/,
    );
  });
});

describe("schema error helpers", () => {
  it.each([
    [["commandTests", 1, "args", 0], "commandTests[1].args[0]"],
    [["metadataTest", "envVars", 2, "key"], "metadataTest.envVars[2].key"],
    [[], ""],
  ] as const)("formats %j as %s", (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });

  it.each([
    ["expectedOuput", "expectedOutput"],
    ["exitcode", "exitCode"],
    ["comand", "command"],
    ["zzzzzz", undefined],
  ])("suggests a field for %s", (key, expected) => {
    const allowed = allowedKeysAt(smokeFileSchema, ["commandTests", 0]);
    expect(suggestField(key, allowed)).toBe(expected);
  });

  it("finds the keys allowed at nested paths", () => {
    expect(allowedKeysAt(smokeFileSchema, ["metadataTest", "labels", 0])).toEqual([
      "key",
      "value",
      "isRegex",
    ]);
    expect(allowedKeysAt(smokeFileSchema, ["nope"])).toEqual([]);
  });
});
