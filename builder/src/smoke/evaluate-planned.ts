// Pure: a planned test and the files it wrote → its SmokeResult. File and license tests
// share one step, whose time is split evenly between them.
import type { SmokeResult } from "../../../common/build-record.js";
import { buildResult, evaluateCommand, parseDuration, type ResultFiles } from "./evaluate.js";
import { evaluateFileContent, evaluateFileExistence, evaluateLicense } from "./evaluate-files.js";
import type { PlannedTest } from "./plan.js";

export function evaluatePlannedTest(
  planned: PlannedTest,
  files: ResultFiles,
  /** This test's share of the file-tests step's time. */
  sharedMs: number,
): SmokeResult {
  switch (planned.kind) {
    case "command": {
      const { failures, output } = evaluateCommand(planned.test, files);
      return buildResult(planned.name, "command", failures, parseDuration(files.ms), output);
    }
    case "fileContent": {
      const { failures, output } = evaluateFileContent(planned.test, files);
      return buildResult(planned.name, "fileContent", failures, sharedMs, output);
    }
    case "fileExistence":
      return buildResult(planned.name, "fileExistence", evaluateFileExistence(planned.test, files), sharedMs);
    case "license": {
      const failures = evaluateLicense(files);
      return buildResult(
        planned.name,
        "license",
        failures,
        sharedMs,
        failures.length ? failures.join("\n") : "",
      );
    }
  }
}
