// Runs one smoke plan: writes the generated Dockerfile and a context holding the results
// directory into a temp directory, runs `docker buildx build --progress=plain --output
// type=local` there, and judges each test from the files it wrote. No `--no-cache`:
// every check script carries a fresh run id, so checks always re-run, while the base
// stage (the results directory) is a cache hit from the second run on. A build failure
// is never a test failure, so it throws a SmokeError.
import { randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SmokeResult } from "../../../common/build-record.js";
import { run } from "../process/spawn.js";
import { classifyDockerFailure } from "./docker-errors.js";
import { SmokeError } from "./errors.js";
import { evaluateTest, type ResultFiles } from "./evaluate.js";
import { describeImageSource, type SmokeImageSource } from "./image-source.js";
import { RESULTS_CONTEXT, RESULTS_CONTEXT_MODE, buildSmokePlan, type PlannedTest } from "./plan.js";
import type { SmokeFile } from "./schema.js";
import { RESULTS_DIR, type ResultExt } from "./script.js";

export interface RunPlanOptions {
  /** The docker CLI (argv[0]). */
  docker: string;
  /** Environment for docker: DOCKER_HOST, DOCKER_CONFIG (registry credentials)... */
  env: NodeJS.ProcessEnv;
  /** buildx builder name; default the current one. */
  builder?: string;
  /** e.g. linux/arm64; default the builder's own platform (config read: linux/amd64). */
  platform?: string;
  signal?: AbortSignal;
  /** buildx progress lines, for the build log (already redacted). */
  onLine?: (line: string) => void;
  /** Values redacted from every line and error (e.g. a registry password the caller knows). */
  secrets?: readonly string[];
  /** Parent of the temp directory (default the OS temp dir). */
  tmpDir?: string;
}

export interface SmokeBuildArgvInput {
  docker: string;
  builder?: string;
  platform?: string;
  dockerfile: string;
  contextDir: string;
  outputDir: string;
  buildContexts: Record<string, string>;
}

/** Pure: the `docker buildx build` argv that runs a smoke plan. */
export function buildSmokeBuildArgv(input: SmokeBuildArgvInput): string[] {
  const argv = [input.docker, "buildx", "build"];
  if (input.builder) argv.push("--builder", input.builder);
  argv.push("--progress=plain");
  if (input.platform) argv.push("--platform", input.platform);
  for (const [name, value] of Object.entries(input.buildContexts))
    argv.push("--build-context", `${name}=${value}`);
  argv.push("--file", input.dockerfile, "--output", `type=local,dest=${input.outputDir}`, input.contextDir);
  return argv;
}

async function readResults(dir: string, tests: readonly PlannedTest[]): Promise<ResultFiles[]> {
  const names = new Set(await readdir(dir));
  return Promise.all(
    tests.map(async (t) => {
      const files: ResultFiles = {};
      for (const name of names) {
        const dot = name.indexOf(".");
        if (name.slice(0, dot) !== String(t.index)) continue;
        files[name.slice(dot + 1) as ResultExt] = await readFile(path.join(dir, name), "utf8");
      }
      return files;
    }),
  );
}

/** Runs the plan's build; a build failure is never a test failure, so it throws. */
async function executePlan(argv: string[], imageName: string, options: RunPlanOptions): Promise<void> {
  const result = await run(argv, {
    env: options.env,
    keepLines: 400,
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onLine: (_stream, line) => options.onLine?.(line),
  }).catch((err: Error) => {
    throw new SmokeError("SMOKE_BUILDX_UNAVAILABLE", `could not run ${options.docker}: ${err.message}`);
  });
  if (result.aborted) throw new SmokeError("SMOKE_CANCELLED", "the smoke tests were cancelled");
  if (result.exitCode !== 0) throw classifyDockerFailure(result.stderr, imageName, "run smoke tests in");
}

export async function runImageTests(
  file: SmokeFile,
  image: SmokeImageSource,
  resolved: { env: Record<string, string>; digest?: string },
  options: RunPlanOptions,
): Promise<SmokeResult[]> {
  const plan = buildSmokePlan(file, {
    source: image,
    runId: randomUUID(),
    env: resolved.env,
    ...(resolved.digest ? { digest: resolved.digest } : {}),
  });
  const work = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), "cb-smoke-"));
  try {
    const dockerfile = path.join(work, "Dockerfile");
    const contextDir = path.join(work, "context");
    const outputDir = path.join(work, "out");
    const resultsDir = path.join(contextDir, RESULTS_CONTEXT, RESULTS_DIR);
    await Promise.all([writeFile(dockerfile, plan.dockerfile), mkdir(resultsDir, { recursive: true })]);
    await chmod(resultsDir, RESULTS_CONTEXT_MODE); // mkdir's mode is cut by the umask
    const argv = buildSmokeBuildArgv({
      ...options,
      dockerfile,
      contextDir,
      outputDir,
      buildContexts: plan.buildContexts,
    });
    await executePlan(argv, describeImageSource(image), options);
    const files = await readResults(outputDir, plan.tests);
    return plan.tests.map((t, i) => evaluateTest(t, files[i]!));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
