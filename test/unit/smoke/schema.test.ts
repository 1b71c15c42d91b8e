// parseSmokeFile reads a smoke file as container-structure-test's test.Parse does: YAML
// through gopkg.in/yaml.v2 (UnmarshalStrict), JSON through encoding/json. Each expected
// value below is what those decoders produce for CST's structs (pkg/types/v2), argued
// from yaml.v2's decode.go/resolve.go (v2.4.0) and encoding/json's documented rules.
import { describe, expect, it } from "vitest";
import { SmokeError } from "../../../builder/src/smoke/errors.js";
import { hasImageTests, parseSmokeFile } from "../../../builder/src/smoke/schema.js";
import { suggestField } from "../../../builder/src/smoke/schema-errors.js";

function errorOf(text: string, source = "smoke.yaml"): SmokeError {
  try {
    parseSmokeFile(text, source);
  } catch (err) {
    if (err instanceof SmokeError) return err;
    throw err;
  }
  throw new Error("expected the file to be refused");
}

const v2 = (body: string) => `schemaVersion: "2.0.0"\n${body}`;

describe("YAML as gopkg.in/yaml.v2 decodes it", () => {
  it("gives a command test CST's zero values and keeps argv as command + args", () => {
    const file = parseSmokeFile(v2("commandTests:\n  - {name: v, command: python3, args: [-V]}\n"));
    expect(file.commandTests[0]).toEqual({
      name: "v",
      setup: [],
      teardown: [],
      envVars: [],
      exitCode: 0,
      command: ["python3", "-V"],
      expectedOutput: [],
      excludedOutput: [],
      expectedError: [],
      excludedError: [],
    });
  });

  it("starts a file existence test from UnmarshalYAML's defaults: shouldExist true, uid/gid unchecked", () => {
    const file = parseSmokeFile(v2("fileExistenceTests:\n  - {name: a, path: /x}\n"));
    expect(file.fileExistenceTests[0]).toEqual({
      name: "a",
      path: "/x",
      shouldExist: true,
      permissions: "",
      uid: -1,
      gid: -1,
      isExecutableBy: "",
    });
  });

  it.each([
    ["no", false],
    ["No", false],
    ["NO", false],
    ["n", false],
    ["off", false],
    ["false", false],
    ["yes", true],
    ["Y", true],
    ["on", true],
    ["TRUE", true],
  ])("reads the YAML 1.1 boolean shouldExist: %s", (word, value) => {
    const file = parseSmokeFile(v2(`fileExistenceTests:\n  - {name: a, path: /x, shouldExist: ${word}}\n`));
    expect(file.fileExistenceTests[0]!.shouldExist).toBe(value);
  });

  it("refuses a quoted boolean, which yaml.v2 will not put in a bool", () => {
    expect(
      errorOf(v2('fileExistenceTests:\n  - {name: a, path: /x, shouldExist: "no"}\n')).message,
    ).toContain("line 3: fileExistenceTests[0].shouldExist: cannot unmarshal !!str `no` into bool");
  });

  it("merges `<<: *base` into a test, explicit keys winning, earlier merged maps first", () => {
    const file = parseSmokeFile(
      v2(`fileExistenceTests:
  - &base {name: base, path: /etc/passwd, uid: 0}
  - &more {name: more, path: /etc/group, gid: 7}
  - <<: *base
    name: one
    uid: 5
  - <<: [*base, *more]
    name: two
`),
    );
    expect(file.fileExistenceTests[2]).toMatchObject({ name: "one", path: "/etc/passwd", uid: 5, gid: -1 });
    expect(file.fileExistenceTests[3]).toMatchObject({ name: "two", path: "/etc/passwd", uid: 0, gid: 7 });
  });

  it("takes a merge after an explicit key as overriding it (yaml.v2 applies keys in order)", () => {
    const file = parseSmokeFile(
      v2(`commandTests:
  - &t {name: base, command: echo}
  - name: mine
    <<: *t
`),
    );
    expect(file.commandTests[1]!.name).toBe("base");
  });

  it("accepts isRegex in a command test's envVars (EnvVar has the field)", () => {
    const file = parseSmokeFile(
      v2("commandTests:\n  - {name: a, command: env, envVars: [{key: A, value: b, isRegex: true}]}\n"),
    );
    expect(file.commandTests[0]!.envVars).toEqual([{ key: "A", value: "b", isRegex: true }]);
  });

  it.each([
    ["8080", "8080"],
    ["1.0", "1.0"],
    ["yes", "yes"],
    ["0x1F", "0x1F"],
    ["2001-12-14", "2001-12-14"],
    ["'quoted'", "quoted"],
  ])("decodes the scalar %s into a string field as its text", (yaml, value) => {
    const file = parseSmokeFile(v2(`metadataTest:\n  envVars: [{key: K, value: ${yaml}}]\n`));
    expect(file.metadataTest!.envVars[0]!.value).toBe(value);
  });

  it.each([
    ["0x10", 16],
    ["010", 8],
    ["0o17", 15],
    ["0b11", 3],
    ["1_000", 1000],
    ["1.9", 1],
    ["-2", -2],
    ["08", 8],
  ])("decodes exitCode: %s with Go's integer syntax as %d", (yaml, value) => {
    const file = parseSmokeFile(v2(`commandTests:\n  - {name: a, command: x, exitCode: ${yaml}}\n`));
    expect(file.commandTests[0]!.exitCode).toBe(value);
  });

  it("refuses a quoted number for an int", () => {
    expect(errorOf(v2('commandTests:\n  - {name: a, command: x, exitCode: "1"}\n')).message).toContain(
      "commandTests[0].exitCode: cannot unmarshal !!str `1` into int",
    );
  });

  it("tells `entrypoint: null` (no check) from `entrypoint: Null` and `[]` (an empty entrypoint)", () => {
    const parse = (v: string) =>
      parseSmokeFile(v2(`metadataTest:\n  user: u\n  entrypoint: ${v}\n`)).metadataTest!;
    expect(parse("null").entrypoint).toBeNull();
    expect(parse("~").entrypoint).toBeNull();
    expect(parse("Null").entrypoint).toEqual([]);
    expect(parse("[]").entrypoint).toEqual([]);
  });

  it("reads only the first document", () => {
    const file = parseSmokeFile(v2("commandTests: []\n---\nnot: [valid\n"));
    expect(file.commandTests).toEqual([]);
  });

  it.each([
    [
      "an unknown field, with the one meant",
      v2("commandTests:\n  - {name: a, command: x, expectedOuput: [y]}\n"),
      "line 3: commandTests[0].expectedOuput: field expectedOuput not found in type v2.CommandTest; did you mean expectedOutput?",
    ],
    [
      "a case typo",
      v2("commandTest: []\n"),
      "commandTest: field commandTest not found in type v2.StructureTest; did you mean commandTests?",
    ],
    [
      "a repeated field",
      v2("commandTests: []\ncommandTests: []\n"),
      "line 3: commandTests: field commandTests already set in type v2.StructureTest",
    ],
    [
      "a list where a string goes",
      v2("commandTests:\n  - {name: a, command: [x]}\n"),
      "cannot unmarshal !!seq into string",
    ],
    [
      "a scalar where a list goes",
      v2("commandTests:\n  - {name: a, command: x, args: 3}\n"),
      "cannot unmarshal !!int `3` into []string",
    ],
    [
      "a merge of a scalar",
      v2("commandTests:\n  - {<<: 1, name: a}\n"),
      "map merge requires map or sequence of maps",
    ],
    [
      "a wrong explicit tag",
      v2("commandTests:\n  - {name: a, command: x, exitCode: !!int abc}\n"),
      "cannot decode !!str `abc` as a !!int",
    ],
    ["YAML syntax", v2("commandTests: [\n"), "it is not valid YAML"],
    ["no schemaVersion", "commandTests: []\n", "please provide the schema version"],
    ["an empty file", "", "please provide the schema version"],
    [
      "schemaVersion 2.0 (a float, so the text 2.0)",
      "schemaVersion: 2.0\n",
      'unsupported schema version "2.0"',
    ],
    ["a list", "- a\n", "cannot unmarshal !!seq into types.SchemaVersion"],
    [
      "driverargs (the tool's own configuration)",
      v2("driverargs: {image: x}\n"),
      "driverargs: is container-structure-test's own driver configuration",
    ],
  ])("refuses %s, as CST does, naming the field and line", (_what, text, message) => {
    const error = errorOf(text);
    expect(error.code).toBe("SMOKE_FILE_INVALID");
    expect(error.message).toContain(message);
  });

  it("lists every problem at once, each with its path", () => {
    const error = errorOf(v2("commandTests:\n  - {name: a, command: x, exitcode: 1, expectedOuput: [y]}\n"));
    expect(error.issues.map((i) => i.path)).toEqual([
      "commandTests[0].exitcode",
      "commandTests[0].expectedOuput",
    ]);
    expect(error.message).toMatch(/^smoke.yaml is not a valid smoke file:\n {2}/);
  });
});

describe("JSON as encoding/json decodes it (a .json file)", () => {
  const json = (value: unknown) => parseSmokeFile(JSON.stringify(value), "smoke.json");

  it("ignores unknown keys and matches field names case-insensitively", () => {
    const file = json({
      SchemaVersion: "2.0.0",
      "x-comment": "ignored",
      commandtests: [{ NAME: "a", Command: "echo", ARGS: ["hi"], unknown: 1 }],
    });
    expect(file.commandTests[0]!.command).toEqual(["echo", "hi"]);
    expect(file.commandTests[0]!.name).toBe("a");
  });

  it("does not call UnmarshalYAML: a file existence test starts with shouldExist false and uid/gid 0", () => {
    const file = json({ schemaVersion: "2.0.0", fileExistenceTests: [{ name: "a", path: "/x" }] });
    expect(file.fileExistenceTests[0]).toMatchObject({ shouldExist: false, uid: 0, gid: 0 });
  });

  it("takes containerRunOptions' TTY from `tty`, not YAML's allocateTty", () => {
    expect(
      json({ schemaVersion: "2.0.0", containerRunOptions: { allocateTty: true } }).runOptions,
    ).toBeUndefined();
    expect(() => json({ schemaVersion: "2.0.0", containerRunOptions: { tty: true } })).toThrow(
      /containerRunOptions.allocateTty is not supported/,
    );
  });

  it.each([
    [
      '{"schemaVersion": "2.0.0", "commandTests": [{"name": "a", "command": "x", "exitCode": 1.0}]}',
      "cannot unmarshal number 1.0",
    ],
    [
      '{"schemaVersion": "2.0.0", "commandTests": [{"name": "a", "command": "x", "exitCode": "1"}]}',
      "cannot unmarshal string",
    ],
    ['{"schemaVersion": 2}', "cannot unmarshal number into Go struct field schemaVersion of type string"],
  ])("refuses a value Go will not convert: %s", (text, message) => {
    expect(() => parseSmokeFile(text, "smoke.json")).toThrow(message);
  });

  it("refuses JSON that Go's scanner rejects (a trailing comma)", () => {
    expect(() => parseSmokeFile('{"schemaVersion": "2.0.0",}', "smoke.json")).toThrow(/is not valid JSON/);
  });

  it("reads a YAML file that happens to be JSON with YAML's rules (unknown keys refused)", () => {
    expect(() => parseSmokeFile('{"schemaVersion": "2.0.0", "extra": 1}', "smoke.yaml")).toThrow(
      /field extra not found in type v2.StructureTest/,
    );
  });
});

describe("what CST accepts but runs as a failing test (Validate), and version 1.0.0", () => {
  it("keeps a v2 test that Validate() refuses, with its messages, so it fails when run", () => {
    const file = parseSmokeFile(
      v2(`commandTests:
  - {name: a, command: x, envVars: [{key: A, value: ""}], setup: [[]]}
  - {name: b}
fileContentTests:
  - {name: c}
metadataTest:
  envVars: [{key: "", value: v}]
`),
    );
    expect(file.commandTests[0]!.invalid).toEqual([
      "Error in setup command configuration encountered; please check formatting and remove all empty setup commands",
      "Please provide non-empty keys and values for all specified env vars",
    ]);
    expect(file.commandTests[1]!.invalid).toEqual(["Please provide a valid command to run for test b"]);
    expect(file.fileContentTests[0]!.invalid).toEqual(["Please provide a valid file path for test c"]);
    expect(file.metadataTest!.invalid).toEqual(["Environment variable key cannot be empty"]);
  });

  it("reads schemaVersion 1.0.0: command lists, no ownership checks, invalid tests skipped", () => {
    const file = parseSmokeFile(`schemaVersion: '1.0.0'
commandTests:
  - {name: a, command: [apt-get, help]}
  - {name: "", command: [x]}
fileExistenceTests:
  - {name: f, path: /x}
`);
    expect(file.schemaVersion).toBe("1.0.0");
    expect(file.commandTests.map((t) => t.command)).toEqual([["apt-get", "help"]]);
    expect(file.skipped).toEqual(["(unnamed): Please provide a valid name for every test"]);
    expect(file.fileExistenceTests[0]).toMatchObject({ shouldExist: true, uid: -1, gid: -1 });
  });

  it("drops an empty metadata test, which CST skips", () => {
    expect(parseSmokeFile(v2("metadataTest: {workdir: ''}\n")).metadataTest).toBeUndefined();
  });

  it("keeps SPEC §5's workingDir on command tests", () => {
    const file = parseSmokeFile(v2("commandTests:\n  - {name: a, command: pwd, workingDir: /tmp}\n"));
    expect(file.commandTests[0]!.workingDir).toBe("/tmp");
  });

  it("says a metadata-only file needs no container", () => {
    expect(hasImageTests(parseSmokeFile(v2("metadataTest: {user: '1000'}\n")))).toBe(false);
    expect(hasImageTests(parseSmokeFile(v2("licenseTests: [{files: [/x]}]\n")))).toBe(true);
  });
});

describe("containerRunOptions: what BuildKit can honour is kept, the rest refused with why", () => {
  it("keeps user and envVars", () => {
    const file = parseSmokeFile(v2("containerRunOptions: {user: root, envVars: [FOO]}\n"));
    expect(file.runOptions).toEqual({ user: "root", envVars: ["FOO"] });
  });

  it.each([
    ["privileged: true", "containerRunOptions.privileged is not supported: tests run as BuildKit RUN steps"],
    [
      "capabilities: [sys_admin]",
      "containerRunOptions.capabilities is not supported: BuildKit RUN steps cannot be given",
    ],
    [
      "bindMounts: ['/tmp:/tmp']",
      "containerRunOptions.bindMounts is not supported: tests run inside BuildKit",
    ],
    [
      "allocateTty: true",
      "containerRunOptions.allocateTty is not supported: tests run as BuildKit RUN steps, which have no terminal",
    ],
    ["envFile: .env", "containerRunOptions.envFile is not supported: it names a file on the machine"],
    ["user: 'a b'", 'containerRunOptions.user "a b" is not a user name or uid[:gid]'],
  ])("refuses %s", (option, message) => {
    expect(errorOf(v2(`containerRunOptions: {${option}}\n`)).message).toContain(message);
  });

  it("does not refuse options left at their zero values", () => {
    expect(
      parseSmokeFile(v2("containerRunOptions: {privileged: false, capabilities: []}\n")).runOptions,
    ).toBeUndefined();
  });
});

describe("suggestField", () => {
  it.each([
    ["expectedOuput", "expectedOutput"],
    ["exitcode", "exitCode"],
    ["comand", "command"],
    ["zzzzzz", undefined],
  ])("suggests a field for %s", (key, expected) => {
    expect(suggestField(key, ["expectedOutput", "exitCode", "command", "args"])).toBe(expected);
  });
});
