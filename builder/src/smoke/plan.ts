// Pure: a parsed smoke file plus the image to test → the Dockerfile that runs its tests
// inside BuildKit with no network, in container-structure-test's order (command, file
// content, file existence, license; the metadata test needs no container). Layout:
//
//   FROM <image> AS cb-base
//   SHELL ["/.cb-tools/busybox","sh","-c"]  the scripts never use the image's shell
//   COPY cb-results/ /                 RESULTS_DIR (mode 1777) from the context: a file
//                                      op, no container, no USER switch; cached across runs
//   FROM cb-base AS cb-test-<n>        one stage per command test: a fresh container each,
//   [USER <containerRunOptions.user>]  run in parallel; the script carries the run id so
//   RUN --network=none --mount=...     it is never cached
//   FROM cb-base AS cb-files           every file and license test, as root (they only read)
//   FROM scratch                       only the result files are exported
//   COPY --from=<stage> RESULTS_DIR/ /
import type { SmokeResult } from "../../../common/build-record.js";
import { fileTestEnv, planCommandProcesses, type EnvList } from "./container-env.js";
import { OCI_CONTEXT_NAME, type SmokeImageSource } from "./image-source.js";
import { buildCommandScript } from "./script-command.js";
import { buildFileTestsScript, type FileTestScript } from "./script-files.js";
import { BUSYBOX, RESULTS_DIR, TOOLS_DIR } from "./script.js";
import { expandEnv, parseExpansion } from "./shell.js";
import type {
  CommandTest,
  FileContentTest,
  FileExistenceTest,
  LicenseTest,
  SmokeFile,
} from "./smoke-file.js";

export type PlannedTest =
  | { index: number; kind: "command"; name: string; test: CommandTest }
  | { index: number; kind: "fileContent"; name: string; test: FileContentTest }
  | { index: number; kind: "fileExistence"; name: string; test: FileExistenceTest }
  | { index: number; kind: "license"; name: string; test: LicenseTest };

export type PlannedKind = NonNullable<SmokeResult["kind"]>;

export interface SmokePlan {
  dockerfile: string;
  /** `--build-context` values, name → value. */
  buildContexts: Record<string, string>;
  tests: PlannedTest[];
  /** Index whose `.ms` file times the file-tests stage. */
  filesIndex: number;
}

export interface PlanImage {
  source: SmokeImageSource;
  /** Required for an OCI layout (BuildKit needs the manifest or index digest). */
  digest?: string;
  /** Unique per run; written into every check script so BuildKit never reuses a cached result. */
  runId: string;
  /** The container hostname (BUILDKIT_SANDBOX_HOSTNAME) and default HOSTNAME, 12 hex digits like Docker's. */
  hostname: string;
  /** The image config's Env in order; only read when a test expands `$VAR` (see usesImageEnv). */
  env: EnvList;
  /** Environment containerRunOptions.envVars are taken from. */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /**
   * After BuildKit could not resolve the USER (see run-smoke.ts): the USER command tests
   * run as instead ("1000:0" for a bare uid in an image without /etc/passwd, as Docker
   * does), or null to plan no command test at all (the user does not exist).
   */
  commandUser?: string | null;
}

/** Context directories: RESULTS_CONTEXT (mode 1777, see run-plan.ts) and TOOLS_CONTEXT (busybox). */
export const RESULTS_CONTEXT = "cb-results";
export const RESULTS_CONTEXT_MODE = 0o1777;
export const TOOLS_CONTEXT = "cb-tools";

const RUN_ID = /^[A-Za-z0-9-]{1,64}$/;
const HOSTNAME = /^[a-z0-9]{1,63}$/;
const USER = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(:[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$/;

export function listPlannedTests(file: SmokeFile): PlannedTest[] {
  const tests: PlannedTest[] = [];
  for (const test of file.commandTests)
    tests.push({ index: tests.length, kind: "command", name: test.name, test });
  for (const test of file.fileContentTests)
    tests.push({ index: tests.length, kind: "fileContent", name: test.name, test });
  for (const test of file.fileExistenceTests)
    tests.push({ index: tests.length, kind: "fileExistence", name: test.name, test });
  for (const test of file.licenseTests)
    tests.push({ index: tests.length, kind: "license", name: "License Test", test });
  return tests;
}

/**
 * True when a test expands `$VAR` where the driver expands it: only then does the plan
 * depend on the image config's Env, so otherwise the build starts before it is read.
 */
export function usesImageEnv(file: SmokeFile): boolean {
  const words = [
    ...file.globalEnvVars.map((e) => e.value),
    ...file.commandTests.flatMap((t) => [
      ...t.command,
      ...(t.setup.length > 0 ? t.envVars.map((e) => e.value) : []),
    ]),
    ...(file.schemaVersion === "2.0.0" ? file.fileExistenceTests.map((t) => t.path) : []),
  ];
  return words.some((w) => parseExpansion(w).some((p) => "variable" in p));
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

function runStep(runId: string, script: string): string[] {
  const body = `# cb-smoke run ${runId}\n${script}`;
  const delimiter = chooseDelimiter(body);
  const mount = `--mount=type=bind,source=${TOOLS_CONTEXT},target=${TOOLS_DIR}`;
  return [`RUN --network=none ${mount} <<'${delimiter}'`, body, delimiter];
}

function fileScripts(file: SmokeFile, tests: PlannedTest[], env: EnvList): FileTestScript[] {
  const pathEnv = fileTestEnv(file, env);
  return tests.flatMap((t): FileTestScript[] => {
    if (t.kind === "fileContent" && !t.test.invalid)
      return [{ kind: "content", index: t.index, path: t.test.path }];
    if (t.kind === "fileExistence" && !t.test.invalid) {
      // v2 expands `$VAR` in an existence test's path; content paths and v1 are taken as written.
      const path = file.schemaVersion === "2.0.0" ? expandEnv(t.test.path, pathEnv) : t.test.path;
      return [{ kind: "existence", index: t.index, path }];
    }
    if (t.kind === "license")
      return [{ kind: "license", index: t.index, debian: t.test.debian, files: t.test.files }];
    return [];
  });
}

export function buildSmokePlan(file: SmokeFile, image: PlanImage): SmokePlan {
  if (!RUN_ID.test(image.runId)) throw new Error("buildSmokePlan: the run id must be 1-64 [A-Za-z0-9-]");
  if (!HOSTNAME.test(image.hostname)) throw new Error("buildSmokePlan: the hostname must be 1-63 [a-z0-9]");
  const user = image.commandUser === undefined ? (file.runOptions?.user ?? "") : (image.commandUser ?? "");
  if (user !== "" && !USER.test(user)) {
    throw new Error(
      `buildSmokePlan: containerRunOptions.user ${JSON.stringify(user)} is not a user name or uid[:gid]`,
    );
  }
  const tests = listPlannedTests(file);
  const { from, buildContexts } = fromLine(image);
  const lines = [
    "# Generated by comfyume-builder: smoke tests (container-structure-test format) run inside BuildKit.",
    `FROM ${from} AS cb-base`,
    `SHELL ${JSON.stringify([BUSYBOX, "sh", "-c"])}`,
    `COPY ${RESULTS_CONTEXT}/ /`,
  ];
  const stages: string[] = [];
  for (const t of tests) {
    if (t.kind !== "command" || t.test.invalid || image.commandUser === null) continue;
    const plan = planCommandProcesses(file, t.test, image.env, image.hostEnv);
    const script = buildCommandScript({
      index: t.index,
      plan,
      hostname: image.hostname,
      ...(t.test.workingDir !== undefined ? { workingDir: t.test.workingDir } : {}),
    });
    const stage = `cb-test-${t.index}`;
    lines.push(
      "",
      `FROM cb-base AS ${stage}`,
      ...(user ? [`USER ${user}`] : []),
      ...runStep(image.runId, script),
    );
    stages.push(stage);
  }
  const scripts = fileScripts(file, tests, image.env);
  const filesIndex = tests.length;
  if (scripts.length > 0) {
    // The daemon's archive API reads files as root, whatever the image's USER.
    lines.push("", "FROM cb-base AS cb-files", "USER 0:0", "WORKDIR /");
    lines.push(...runStep(image.runId, buildFileTestsScript(scripts, filesIndex)));
    stages.push("cb-files");
  }
  lines.push("", "FROM scratch");
  for (const stage of stages) lines.push(`COPY --from=${stage} ${RESULTS_DIR}/ /`);
  if (stages.length === 0) lines.push(`COPY --from=cb-base ${RESULTS_DIR}/ /`);
  return { dockerfile: `${lines.join("\n")}\n`, buildContexts, tests, filesIndex };
}
