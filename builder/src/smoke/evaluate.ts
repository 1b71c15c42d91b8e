// Pure: the files a command test wrote (script-command.ts) → its result, with
// container-structure-test's CheckOutput: expected/excluded error, then output (Go RE2,
// unanchored, over the whole stderr/stdout), then the exit code, compared exactly. A
// test its Validate() refuses, or whose command or setup cannot start, fails without
// output, as the docker driver's "error creating container" does.
import type { SmokeResult } from "../../../common/build-record.js";
import { checkGoRegex, goRegexError } from "./regex.js";
import type { ResultExt } from "./script.js";
import type { CommandTest } from "./smoke-file.js";

export type ResultFiles = Partial<Record<ResultExt | `setupfail.${number}`, string>>;

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

export function firstLine(text: string | undefined): string {
  return (text ?? "").trim().split("\n")[0] ?? "";
}

/** One message per pattern that fails CompileAndRunRegex (an invalid pattern always fails). */
export function regexFailures(
  patterns: readonly string[],
  text: string,
  shouldMatch: boolean,
  what: string,
  where: string,
): string[] {
  return patterns
    .filter((p) => !checkGoRegex(p, text, shouldMatch))
    .map((p) => {
      const error = goRegexError(p);
      if (error) return `${what} /${p}/ is not a valid RE2 regular expression (${error})`;
      return `${what} /${p}/ ${shouldMatch ? "not found" : "found"} in ${where}`;
    });
}

export function evaluateCommand(
  test: CommandTest,
  files: ResultFiles,
): { failures: string[]; output: string } {
  if (test.invalid) return { failures: test.invalid, output: "" };
  if (files.wd !== undefined) {
    return {
      failures: [
        `workingDir ${JSON.stringify(test.workingDir)} could not be entered: ${firstLine(files.wd)}`,
      ],
      output: "",
    };
  }
  if (files.setupfail !== undefined) {
    const i = Number(firstLine(files.setupfail));
    const why = firstLine(files[`setupfail.${i}`]);
    return {
      failures: [
        `error in setup: command ${JSON.stringify(test.setup[i] ?? [])} could not be started: ${why}`,
      ],
      output: "",
    };
  }
  if (files.nostart !== undefined) {
    return {
      failures: [`error creating container: ${firstLine(files.nostart)}`],
      output: "",
    };
  }
  const stdout = files.out ?? "";
  const stderr = files.err ?? "";
  const rc = Number(firstLine(files.rc));
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
  if (rc !== test.exitCode) failures.push(`exit code was ${rc}, expected ${test.exitCode}`);
  return { failures, output: excerpt(stdout, stderr) };
}

export function buildResult(
  name: string,
  kind: NonNullable<SmokeResult["kind"]>,
  failures: readonly string[],
  durationMs: number,
  output = "",
): SmokeResult {
  return {
    name,
    kind,
    passed: failures.length === 0,
    durationMs,
    ...(output ? { output } : {}),
    ...(failures.length ? { message: failures.join("; ") } : {}),
  };
}
