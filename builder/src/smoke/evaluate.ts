// Pure: the files a test wrote (see script.ts) → its result, judged with
// container-structure-test's rules (regexes searched in the whole stdout/stderr/file,
// exit code compared exactly) and a message that says what failed.
import type { SmokeResult } from "../../../common/build-record.js";
import type { PlannedTest } from "./plan.js";
import type { ResultExt } from "./script.js";
import type { CommandTest, FileContentTest, FileExistenceTest } from "./schema.js";
import { matchesGoRegex } from "./regex.js";
import { formatGoFileMode, isExecutableBy } from "./file-mode.js";

export type ResultFiles = Partial<Record<ResultExt, string>>;

/** Output excerpts are the last 2 KiB, enough for an error without bloating records. */
export const EXCERPT_BYTES = 2048;

export function excerpt(stdout: string, stderr: string, max = EXCERPT_BYTES): string {
  const text = stderr
    ? `${stdout}${stdout && !stdout.endsWith("\n") ? "\n" : ""}[stderr]\n${stderr}`
    : stdout;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= max) return text;
  return `…${bytes
    .subarray(bytes.length - max)
    .toString("utf8")
    .replace(/^\uFFFD+/, "")}`;
}

/** "<uptime start> <uptime end>" (10 ms resolution) → milliseconds. */
export function parseDuration(ms: string | undefined): number {
  const [start, end] = (ms ?? "").trim().split(/\s+/).map(Number);
  if (start === undefined || end === undefined || !Number.isFinite(start) || !Number.isFinite(end)) return 0;
  return Math.max(0, Math.round((end - start) * 1000));
}

function firstLine(text: string | undefined): string {
  return (text ?? "").trim().split("\n")[0] ?? "";
}

function regexFailures(
  patterns: readonly string[],
  text: string,
  shouldMatch: boolean,
  what: string,
  where: string,
): string[] {
  return patterns
    .filter((p) => matchesGoRegex(p, text) !== shouldMatch)
    .map((p) => `${what} /${p}/ ${shouldMatch ? "not found" : "found"} in ${where}`);
}

function failedStep(
  line: string | undefined,
  argvs: string[][],
  what: string,
  output: string | undefined,
): string {
  const [i, rc] = (line ?? "").trim().split(/\s+/);
  const argv = argvs[Number(i)] ?? [];
  const tail = firstLine(output?.trim().split("\n").at(-1));
  return `${what} command ${JSON.stringify(argv)} exited with ${rc}${tail ? `: ${tail}` : ""}`;
}

export function evaluateCommand(
  test: CommandTest,
  files: ResultFiles,
): { failures: string[]; output: string } {
  if (files.wd !== undefined) {
    return {
      failures: [
        `workingDir ${JSON.stringify(test.workingDir)} could not be entered: ${firstLine(files.wd)}`,
      ],
      output: "",
    };
  }
  if (files.setupfail !== undefined) {
    return {
      failures: [failedStep(files.setupfail, test.setup, "setup", files.setup)],
      output: files.setup ?? "",
    };
  }
  const stdout = files.out ?? "";
  const stderr = files.err ?? "";
  const rc = Number((files.rc ?? "").trim());
  if (files.rc === undefined || !Number.isInteger(rc)) {
    return {
      failures: ["the command did not run to completion (no exit code was recorded)"],
      output: excerpt(stdout, stderr),
    };
  }
  const failures = [
    ...regexFailures(test.expectedError, stderr, true, "expected error", "stderr"),
    ...regexFailures(test.excludedError, stderr, false, "excluded error", "stderr"),
    ...regexFailures(test.expectedOutput, stdout, true, "expected output", "stdout"),
    ...regexFailures(test.excludedOutput, stdout, false, "excluded output", "stdout"),
  ];
  if (rc !== test.exitCode) {
    const notFound = rc === 127 ? ` (${JSON.stringify(test.command)} was not found or could not be run)` : "";
    failures.push(`exit code was ${rc}, expected ${test.exitCode}${notFound}`);
  }
  for (const line of (files.teardownfail ?? "").split("\n").filter(Boolean)) {
    failures.push(failedStep(line, test.teardown, "teardown", files.teardown));
  }
  return { failures, output: excerpt(stdout, stderr) };
}

export function evaluateFileExistence(test: FileExistenceTest, files: ResultFiles): string[] {
  const exists = firstLine(files.exists) === "1";
  if (!test.shouldExist) return exists ? [`${test.path} should not exist but does`] : [];
  if (!exists) return [`${test.path} should exist but does not`];
  if (files.rc === undefined) return [];
  if (firstLine(files.rc) !== "0") {
    const missing = firstLine(files.rc) === "127" ? " (the image has no `stat` command)" : "";
    return [`could not stat ${test.path}${missing}: ${firstLine(files.err)}`];
  }
  const [hex, uid, gid] = firstLine(files.out).split(" ");
  const mode = parseInt(hex ?? "", 16);
  const shown = formatGoFileMode(mode);
  const failures: string[] = [];
  if (test.permissions !== undefined && shown !== test.permissions) {
    failures.push(`${test.path} has permissions ${shown}, expected ${test.permissions}`);
  }
  if (test.uid !== undefined && Number(uid) !== test.uid)
    failures.push(`${test.path} is owned by uid ${uid}, expected ${test.uid}`);
  if (test.gid !== undefined && Number(gid) !== test.gid)
    failures.push(`${test.path} has gid ${gid}, expected ${test.gid}`);
  if (test.isExecutableBy !== undefined && !isExecutableBy(mode, test.isExecutableBy)) {
    failures.push(`${test.path} is not executable by ${test.isExecutableBy} (permissions ${shown})`);
  }
  return failures;
}

export function evaluateFileContent(test: FileContentTest, files: ResultFiles): string[] {
  const kind = firstLine(files.kind);
  if (kind === "missing") return [`${test.path} does not exist`];
  if (kind === "dir") return [`${test.path} is a directory, not a file`];
  if (firstLine(files.rc) !== "0")
    return [`could not read ${test.path}: ${firstLine(files.err) || "no exit code recorded"}`];
  const contents = files.out ?? "";
  return [
    ...regexFailures(test.expectedContents, contents, true, "expected contents", test.path),
    ...regexFailures(test.excludedContents, contents, false, "excluded contents", test.path),
  ];
}

export function evaluateTest(planned: PlannedTest, files: ResultFiles): SmokeResult {
  let failures: string[];
  let output = "";
  if (planned.kind === "command") ({ failures, output } = evaluateCommand(planned.test, files));
  else if (planned.kind === "fileExistence") failures = evaluateFileExistence(planned.test, files);
  else {
    failures = evaluateFileContent(planned.test, files);
    if (failures.length) output = excerpt(files.out ?? "", files.err ?? "");
  }
  return {
    name: planned.name,
    kind: planned.kind,
    passed: failures.length === 0,
    durationMs: parseDuration(files.ms),
    ...(output ? { output } : {}),
    ...(failures.length ? { message: failures.join("; ") } : {}),
  };
}
