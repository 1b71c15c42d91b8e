import { describe, expect, it } from "vitest";
import {
  evaluateCommand,
  evaluateFileContent,
  evaluateFileExistence,
  evaluateTest,
  excerpt,
  parseDuration,
} from "../../../builder/src/smoke/evaluate.js";
import { formatGoFileMode, isExecutableBy } from "../../../builder/src/smoke/file-mode.js";
import { parseSmokeFile, type CommandTest } from "../../../builder/src/smoke/schema.js";

function commandTest(fields: Record<string, unknown>): CommandTest {
  return parseSmokeFile(
    JSON.stringify({ schemaVersion: "2.0.0", commandTests: [{ name: "t", command: "x", ...fields }] }),
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
      "program not found",
      {},
      { rc: "127", err: "exec: x: not found" },
      ['exit code was 127, expected 0 ("x" was not found or could not be run)'],
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
      "setup failed",
      { setup: [["a"], ["b", "c"]] },
      { setup: "ok\nb: broken\n", setupfail: "1 5\n" },
      ['setup command ["b","c"] exited with 5: b: broken'],
    ],
    [
      "teardown failed",
      { teardown: [["cleanup"]] },
      { rc: "0", teardown: "no\n", teardownfail: "0 1\n" },
      ['teardown command ["cleanup"] exited with 1: no'],
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
  const base = { name: "f", path: "/app/x", shouldExist: true };
  const cases: [string, Record<string, unknown>, Record<string, string>, string[]][] = [
    ["exists", {}, { exists: "1" }, []],
    ["missing", {}, { exists: "0" }, ["/app/x should exist but does not"]],
    ["should not exist", { shouldExist: false }, { exists: "1" }, ["/app/x should not exist but does"]],
    ["absent as wanted", { shouldExist: false }, { exists: "0" }, []],
    [
      "mode matches",
      { permissions: "-rw-r--r--", uid: 1000, gid: 0 },
      { exists: "1", rc: "0", out: "81a4 1000 0\n" },
      [],
    ],
    [
      "mode and owner differ",
      { permissions: "-rwxr-xr-x", uid: 0, gid: 1 },
      { exists: "1", rc: "0", out: "81a4 1000 0" },
      [
        "/app/x has permissions -rw-r--r--, expected -rwxr-xr-x",
        "/app/x is owned by uid 1000, expected 0",
        "/app/x has gid 0, expected 1",
      ],
    ],
    ["executable by group", { isExecutableBy: "group" }, { exists: "1", rc: "0", out: "81e8 0 0" }, []],
    [
      "not executable by other",
      { isExecutableBy: "other" },
      { exists: "1", rc: "0", out: "81e8 0 0" },
      ["/app/x is not executable by other (permissions -rwxr-x---)"],
    ],
    [
      "no stat in the image",
      { uid: 0 },
      { exists: "1", rc: "127", err: "sh: stat: not found" },
      ["could not stat /app/x (the image has no `stat` command): sh: stat: not found"],
    ],
  ];
  it.each(cases)("%s", (_what, fields, files, failures) => {
    expect(evaluateFileExistence({ ...base, ...fields } as never, files)).toEqual(failures);
  });
});

describe("evaluateFileContent", () => {
  const test = { name: "c", path: "/etc/x", expectedContents: ["^key=\\d+$"], excludedContents: ["secret"] };
  it.each([
    ["matches", { rc: "0", out: "key=42" }, []],
    ["missing", { kind: "missing" }, ["/etc/x does not exist"]],
    ["a directory", { kind: "dir" }, ["/etc/x is a directory, not a file"]],
    [
      "unreadable",
      { rc: "1", err: "sh: can't open '/etc/x': Permission denied" },
      ["could not read /etc/x: sh: can't open '/etc/x': Permission denied"],
    ],
    [
      "wrong contents",
      { rc: "0", out: "key=x secret" },
      ["expected contents /^key=\\d+$/ not found in /etc/x", "excluded contents /secret/ found in /etc/x"],
    ],
  ] as [string, Record<string, string>, string[]][])("%s", (_what, files, failures) => {
    expect(evaluateFileContent(test, files)).toEqual(failures);
  });
});

describe("evaluateTest", () => {
  it("builds a result with duration, excerpt and message", () => {
    const result = evaluateTest(
      { index: 0, kind: "command", name: "py", test: commandTest({ expectedOutput: ["3\\.11"] }) },
      { out: "Python 3.9\n", err: "warn\n", rc: "0", ms: "100.25 101.50\n" },
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

  it.each([
    [0o744, "owner", true],
    [0o744, "group", false],
    [0o701, "other", true],
    [0o010, "any", true],
    [0o644, "any", false],
  ] as const)("mode %o executable by %s: %s", (mode, by, expected) => {
    expect(isExecutableBy(mode, by)).toBe(expected);
  });
});
