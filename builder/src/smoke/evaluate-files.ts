// Pure: what the file tests' script wrote (script-files.ts) → results, with
// container-structure-test's rules (pkg/types/v2/file_existence.go, file_content.go,
// licenses.go): existence first, then permissions as Go's FileMode.String(), then
// isExecutableBy, then uid and gid from the archive's header; content by RE2 over the
// whole file; a license test fails on any unreadable file or AGPL/WTFPL text.
import { excerpt, firstLine, regexFailures, type ResultFiles } from "./evaluate.js";
import { formatGoFileMode } from "./file-mode.js";
import type { FileContentTest, FileExistenceTest } from "./smoke-file.js";

/** "<hex st_mode> <uid> <gid>", or undefined when the archive would have no such entry. */
export function parseStat(stat: string | undefined): { mode: number; uid: number; gid: number } | undefined {
  const [hex, uid, gid] = firstLine(stat).split(" ");
  if (!hex || hex === "missing" || uid === undefined || gid === undefined) return undefined;
  return { mode: parseInt(hex, 16), uid: Number(uid), gid: Number(gid) };
}

const EXEC_BITS: Record<string, number> = { any: 0o111, owner: 0o100, group: 0o010, other: 0o001 };

export function evaluateFileExistence(test: FileExistenceTest, files: ResultFiles): string[] {
  if (test.invalid) return test.invalid;
  const stat = parseStat(files.stat);
  if (!stat) {
    return test.shouldExist
      ? [`Error examining file in container: File ${test.path} not found in image`]
      : [];
  }
  if (!test.shouldExist) return [`File ${test.path} should not exist but does`];
  const shown = formatGoFileMode(stat.mode);
  const failures: string[] = [];
  if (test.permissions !== "" && shown !== test.permissions) {
    failures.push(`${test.path} has incorrect permissions. Expected: ${test.permissions}, Actual: ${shown}`);
  }
  if (test.isExecutableBy !== "") {
    const bits = EXEC_BITS[test.isExecutableBy];
    if (bits === undefined) failures.push(`${test.isExecutableBy} not recognised as a valid option`);
    else if ((stat.mode & bits) === 0) {
      failures.push(
        `${test.path} has incorrect executable bit. Expected to be executable by ${test.isExecutableBy}, Actual: ${shown}`,
      );
    }
  }
  if (test.uid !== -1 && stat.uid !== test.uid) {
    failures.push(`${test.path} has incorrect user ownership. Expected: ${test.uid}, Actual: ${stat.uid}`);
  }
  if (test.gid !== -1 && stat.gid !== test.gid) {
    failures.push(`${test.path} has incorrect group ownership. Expected: ${test.gid}, Actual: ${stat.gid}`);
  }
  return failures;
}

export function evaluateFileContent(
  test: FileContentTest,
  files: ResultFiles,
): { failures: string[]; output: string } {
  if (test.invalid) return { failures: test.invalid, output: "" };
  const readError = firstLine(files.readerr);
  if (readError || files.out === undefined) {
    return {
      failures: [`Failed to open ${test.path}. Error: ${readError || "nothing was read"}`],
      output: "",
    };
  }
  const contents = files.out;
  const failures = [
    ...regexFailures(test.expectedContents, contents, true, "expected contents", test.path),
    ...regexFailures(test.excludedContents, contents, false, "excluded contents", test.path),
  ];
  return { failures, output: failures.length ? excerpt(contents, "") : "" };
}

export function evaluateLicense(files: ResultFiles): string[] {
  if (files.lic === undefined) return ["the license test did not run to completion"];
  return files.lic.split("\n").filter(Boolean);
}
