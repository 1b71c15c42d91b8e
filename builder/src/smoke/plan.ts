// Pure: a parsed smoke file plus the image to test → the Dockerfile that runs every
// command and file test inside BuildKit with no network. Layout:
//
//   FROM <image> AS cb-base
//   COPY cb-results/ /                 RESULTS_DIR (mode 1777) from the context: a file
//                                      op, no container, no USER switch; cached across runs
//   FROM cb-base AS cb-test-<n>        one stage per test: a fresh container each, and
//   RUN --network=none <<'EOF' ...     BuildKit runs independent stages in parallel; the
//                                      script carries the run id so it is never cached
//   FROM scratch                       only the result files are exported
//   COPY --from=cb-test-<n> RESULTS_DIR/ /
import type { CommandTest, FileContentTest, FileExistenceTest, SmokeFile } from "./schema.js";
import { OCI_CONTEXT_NAME, type SmokeImageSource } from "./image-source.js";
import { parseExpansion } from "./shell.js";
import {
  RESULTS_DIR,
  buildCommandScript,
  buildFileContentScript,
  buildFileExistenceScript,
} from "./script.js";

export type PlannedTest =
  | { index: number; kind: "command"; name: string; test: CommandTest }
  | { index: number; kind: "fileExistence"; name: string; test: FileExistenceTest }
  | { index: number; kind: "fileContent"; name: string; test: FileContentTest };

export interface SmokePlan {
  dockerfile: string;
  /** `--build-context` values, name → value. */
  buildContexts: Record<string, string>;
  tests: PlannedTest[];
}

export interface PlanImage {
  source: SmokeImageSource;
  /** Required for an OCI layout (BuildKit needs the manifest or index digest). */
  digest?: string;
  /** Unique per run; written into every check script so BuildKit never reuses a cached result. */
  runId: string;
  /** The image config's Env, which `$VAR` in commands, args and paths expand against. */
  env: Readonly<Record<string, string>>;
}

/**
 * The context directory holding RESULTS_DIR (mode 1777, made by the caller; see
 * RESULTS_CONTEXT_MODE). COPY keeps the mode of a directory it copies by name, so the
 * image's own USER can write there without a root RUN step.
 */
export const RESULTS_CONTEXT = "cb-results";
export const RESULTS_CONTEXT_MODE = 0o1777;

const RUN_ID = /^[A-Za-z0-9-]{1,64}$/;

export function listPlannedTests(file: SmokeFile): PlannedTest[] {
  const tests: PlannedTest[] = [];
  for (const test of file.commandTests)
    tests.push({ index: tests.length, kind: "command", name: test.name, test });
  for (const test of file.fileExistenceTests)
    tests.push({ index: tests.length, kind: "fileExistence", name: test.name, test });
  for (const test of file.fileContentTests)
    tests.push({ index: tests.length, kind: "fileContent", name: test.name, test });
  return tests;
}

/**
 * True when a command or file test names `$VAR`: only then does the plan depend on the
 * image config (its Env), so otherwise the build can start before the config is read.
 */
export function usesImageEnv(file: SmokeFile): boolean {
  const words = [
    ...file.commandTests.flatMap((t) => [
      t.command,
      ...t.args,
      ...t.setup.flat(),
      ...t.teardown.flat(),
      ...t.envVars.map((e) => e.value),
      ...(t.workingDir === undefined ? [] : [t.workingDir]),
    ]),
    ...file.fileExistenceTests.map((t) => t.path),
    ...file.fileContentTests.map((t) => t.path),
  ];
  return words.some((w) => parseExpansion(w).some((p) => "variable" in p));
}

export function buildTestScript(planned: PlannedTest, env: PlanImage["env"]): string {
  switch (planned.kind) {
    case "command":
      return buildCommandScript(planned.index, planned.test, env);
    case "fileExistence":
      return buildFileExistenceScript(planned.index, planned.test, env);
    case "fileContent":
      return buildFileContentScript(planned.index, planned.test, env);
  }
}

/** A heredoc delimiter that no line of the script equals, so user values cannot end it. */
export function chooseDelimiter(script: string): string {
  const lines = new Set(script.split("\n"));
  let delimiter = "CB_SMOKE_EOF";
  for (let i = 1; lines.has(delimiter); i++) delimiter = `CB_SMOKE_EOF_${i}`;
  return delimiter;
}

function fromLine(image: PlanImage): { from: string; buildContexts: Record<string, string> } {
  if (image.source.kind === "registry") return { from: image.source.ref, buildContexts: {} };
  const digest = image.digest ?? image.source.digest;
  if (!digest) throw new Error("buildSmokePlan: an OCI layout image needs its digest");
  return {
    from: OCI_CONTEXT_NAME,
    buildContexts: { [OCI_CONTEXT_NAME]: `oci-layout://${image.source.dir}@${digest}` },
  };
}

function baseStage(from: string): string[] {
  // An image may set SHELL (bash, or something that is not a POSIX shell at all); the
  // generated scripts are POSIX sh, as container-structure-test's are not shell at all.
  return [`FROM ${from} AS cb-base`, 'SHELL ["/bin/sh", "-c"]', `COPY ${RESULTS_CONTEXT}/ /`];
}

export function buildSmokePlan(file: SmokeFile, image: PlanImage): SmokePlan {
  if (!RUN_ID.test(image.runId)) throw new Error("buildSmokePlan: the run id must be 1-64 [A-Za-z0-9-]");
  const tests = listPlannedTests(file);
  const { from, buildContexts } = fromLine(image);
  const lines = [
    "# Generated by comfyume-builder: smoke tests (container-structure-test format) run inside BuildKit.",
    ...baseStage(from),
  ];
  for (const planned of tests) {
    const script = `# cb-smoke run ${image.runId}\n${buildTestScript(planned, image.env)}`;
    const delimiter = chooseDelimiter(script);
    lines.push("", `FROM cb-base AS cb-test-${planned.index}`);
    lines.push(`RUN --network=none <<'${delimiter}'`, script, delimiter);
  }
  lines.push("", "FROM scratch");
  for (const planned of tests) lines.push(`COPY --from=cb-test-${planned.index} ${RESULTS_DIR}/ /`);
  return { dockerfile: `${lines.join("\n")}\n`, buildContexts, tests };
}
