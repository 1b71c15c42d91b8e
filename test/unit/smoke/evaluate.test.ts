import { describe, expect, it } from "vitest";
// Expected messages and verdicts follow container-structure-test's CheckOutput
// (pkg/types/v2/command.go), file_existence.go, file_content.go and licenses.go.
import { evaluateCommand, excerpt, parseDuration } from "../../../builder/src/smoke/evaluate.js";
import {
  evaluateFileContent,
  evaluateFileExistence,
  evaluateLicense,
} from "../../../builder/src/smoke/evaluate-files.js";
import { evaluatePlannedTest } from "../../../builder/src/smoke/evaluate-planned.js";
import { formatGoFileMode } from "../../../builder/src/smoke/file-mode.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";
import type { CommandTest, FileExistenceTest } from "../../../builder/src/smoke/smoke-file.js";

function commandTest(fields: Record<string, unknown>): CommandTest {
  return parseSmokeFile(
    JSON.stringify({ schemaVersion: "2.0.0", commandTests: [{ name: "t", command: "x", ...fields }] }),
    "s.json",
  ).commandTests[0]!;
}

describe("evaluateCommand", () => {
  const cases: [string, Record<string, unknown>, Record<string, string>, string[]][] = [
    ["passes on exit 0 by default", {}, { out: "", err: "", rc: "0\n" }, []],
    [
      "expected output missing",
      { expectedOutput: ["Python 3\\.1[0-9]"] },
      { out: "Python 2.7\n", rc: "0" },
      ["expected output /Python 3\\.1[0-9]/ not found in stdout"],
    ],
    [
      "excluded output present",
      { excludedOutput: ["WARN"] },
      { out: "WARN x", rc: "0" },
      ["excluded output /WARN/ found in stdout"],
    ],
    [
      "expected error missing",
      { expectedError: ["deprecated"] },
      { err: "", rc: "0" },
      ["expected error /deprecated/ not found in stderr"],
    ],
    [
      "excluded error present",
      { excludedError: ["Traceback"] },
      { err: "Traceback (most", rc: "0" },
      ["excluded error /Traceback/ found in stderr"],
    ],
    [
      "stdout is not stderr",
      { expectedOutput: ["oops"] },
      { err: "oops", rc: "0" },
      ["expected output /oops/ not found in stdout"],
    ],
    ["wrong exit code", { exitCode: 3 }, { rc: "0" }, ["exit code was 0, expected 3"]],
    [
      "a program that exits 127 is only a wrong exit code",
      {},
      { rc: "127", err: "x: not found" },
      ["exit code was 127, expected 0"],
    ],
    [
      "a program that cannot start fails whatever exitCode says",
      { exitCode: 127 },
      { nostart: 'exec: "x": executable file not found in $PATH\n', rc: "127" },
      ['error creating container: exec: "x": executable file not found in $PATH'],
    ],
    [
      "an invalid RE2 pattern fails, expected or excluded",
      { expectedOutput: ["(a)\\1"], excludedOutput: ["a(?=b)"] },
      { out: "aa", rc: "0" },
      [
        "expected output /(a)\\1/ is not a valid RE2 regular expression (error parsing regexp: invalid escape sequence: `\\1`)",
        "excluded output /a(?=b)/ is not a valid RE2 regular expression (error parsing regexp: invalid or unsupported Perl syntax: `(?=`)",
      ],
    ],
    ["dot matches CR, as in RE2", { expectedOutput: ["^hello.$"] }, { out: "hello\r", rc: "0" }, []],
    [
      "Validate() failures, without running",
      { envVars: [{ key: "A", value: "" }] },
      {},
      ["Please provide non-empty keys and values for all specified env vars"],
    ],
    [
      "several failures at once",
      { expectedOutput: ["a"], exitCode: 1 },
      { out: "b", rc: "2" },
      ["expected output /a/ not found in stdout", "exit code was 2, expected 1"],
    ],
    [
      "no exit code recorded",
      {},
      { out: "partial" },
      ["the command did not run to completion (no exit code was recorded)"],
    ],
    [
      "a setup command that cannot start",
      { setup: [["a"], ["b", "c"]] },
      { setupfail: "1\n", "setupfail.1": 'exec: "b": executable file not found in $PATH\n' },
      [
        'error in setup: command ["b","c"] could not be started: exec: "b": executable file not found in $PATH',
      ],
    ],
    [
      "working dir missing",
      { workingDir: "/nope" },
      { wd: "sh: cd: can't cd to /nope\n" },
      ['workingDir "/nope" could not be entered: sh: cd: can\'t cd to /nope'],
    ],
  ];
  it.each(cases)("%s", (_what, fields, files, failures) => {
    expect(evaluateCommand(commandTest(fields), files).failures).toEqual(failures);
  });
});

describe("evaluateFileExistence", () => {
  const base: FileExistenceTest = {
    name: "f",
    path: "/app/x",
    shouldExist: true,
    permissions: "",
    uid: -1,
    gid: -1,
    isExecutableBy: "",
  };
  const cases: [string, Partial<FileExistenceTest>, Record<string, string>, string[]][] = [
    ["exists", {}, { stat: "81a4 0 0\n" }, []],
    [
      "missing",
      {},
      { stat: "missing\n" },
      ["Error examining file in container: File /app/x not found in image"],
    ],
    [
      "should not exist",
      { shouldExist: false },
      { stat: "41ed 0 0" },
      ["File /app/x should not exist but does"],
    ],
    ["absent as wanted", { shouldExist: false, uid: 5 }, { stat: "missing" }, []],
    ["mode and owner match", { permissions: "-rw-r--r--", uid: 1000, gid: 0 }, { stat: "81a4 1000 0\n" }, []],
    [
      "mode and owner differ",
      { permissions: "-rwxr-xr-x", uid: 0, gid: 1 },
      { stat: "81a4 1000 0" },
      [
        "/app/x has incorrect permissions. Expected: -rwxr-xr-x, Actual: -rw-r--r--",
        "/app/x has incorrect user ownership. Expected: 0, Actual: 1000",
        "/app/x has incorrect group ownership. Expected: 1, Actual: 0",
      ],
    ],
    ["a symlink reports as one", { permissions: "Lrwxrwxrwx" }, { stat: "a1ff 0 0" }, []],
    ["executable by group", { isExecutableBy: "group" }, { stat: "81e8 0 0" }, []],
    [
      "not executable by other",
      { isExecutableBy: "other" },
      { stat: "81e8 0 0" },
      ["/app/x has incorrect executable bit. Expected to be executable by other, Actual: -rwxr-x---"],
    ],
    [
      "an unknown isExecutableBy fails when run",
      { isExecutableBy: "everyone" },
      { stat: "81ed 0 0" },
      ["everyone not recognised as a valid option"],
    ],
  ];
  it.each(cases)("%s", (_what, fields, files, failures) => {
    expect(evaluateFileExistence({ ...base, ...fields }, files)).toEqual(failures);
  });
});

describe("evaluateFileContent", () => {
  const test = { name: "c", path: "/etc/x", expectedContents: ["^key=\\d+$"], excludedContents: ["secret"] };
  it.each([
    ["matches", { out: "key=42", readerr: "" }, []],
    [
      "cannot be read",
      { readerr: "File /etc/x not found in image\n" },
      ["Failed to open /etc/x. Error: File /etc/x not found in image"],
    ],
    [
      "wrong contents",
      { out: "key=x secret", readerr: "" },
      ["expected contents /^key=\\d+$/ not found in /etc/x", "excluded contents /secret/ found in /etc/x"],
    ],
  ] as [string, Record<string, string>, string[]][])("%s", (_what, files, failures) => {
    expect(evaluateFileContent(test, files).failures).toEqual(failures);
  });
});

describe("evaluateLicense and evaluatePlannedTest", () => {
  it("fails a license test on each line its script wrote", () => {
    expect(evaluateLicense({ lic: "" })).toEqual([]);
    expect(evaluateLicense({ lic: "Invalid license for /x, license contains AGPL\n" })).toEqual([
      "Invalid license for /x, license contains AGPL",
    ]);
  });

  it("builds a result with duration, excerpt and message", () => {
    const result = evaluatePlannedTest(
      { index: 0, kind: "command", name: "py", test: commandTest({ expectedOutput: ["3\\.11"] }) },
      { out: "Python 3.9\n", err: "warn\n", rc: "0", ms: "100.25 101.50\n" },
      0,
    );
    expect(result).toEqual({
      name: "py",
      kind: "command",
      passed: false,
      durationMs: 1250,
      output: "Python 3.9\n[stderr]\nwarn\n",
      message: "expected output /3\\.11/ not found in stdout",
    });
  });
});

describe("helpers", () => {
  it.each([
    ["1.00 1.50", 500],
    ["0 0", 0],
    ["", 0],
    ["garbage", 0],
  ])("parseDuration(%j) = %d", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("keeps the last 2 KiB of output", () => {
    const out = excerpt("x".repeat(5000) + "END", "");
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(2048 + 3);
    expect(out.startsWith("…")).toBe(true);
    expect(out.endsWith("END")).toBe(true);
    expect(excerpt("out", "err")).toBe("out\n[stderr]\nerr");
  });

  it.each([
    [0o100644, "-rw-r--r--"],
    [0o100755, "-rwxr-xr-x"],
    [0o040755, "drwxr-xr-x"],
    [0o041777, "dtrwxrwxrwx"],
    [0o120777, "Lrwxrwxrwx"],
    [0o104755, "urwxr-xr-x"],
    [0o102755, "grwxr-xr-x"],
    [0o020666, "Dcrw-rw-rw-"],
    [0o060660, "Drw-rw----"],
    [0o010644, "prw-r--r--"],
    [0o140755, "Srwxr-xr-x"],
  ])("formats mode %o as %s (Go FileMode.String)", (mode, expected) => {
    expect(formatGoFileMode(mode)).toBe(expected);
  });
});
