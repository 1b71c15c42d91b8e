// Runs one smoke plan: writes the generated Dockerfile and a context holding the results
// directory and the static busybox into a temp directory, runs `docker buildx build
// --progress=plain --output type=local` there, and judges each test from the files it
// wrote. No `--no-cache`:
// every check script carries a fresh run id, so checks always re-run, while the base
// stage (the results directory) is a cache hit from the second run on. A build failure
// is never a test failure, so it throws a SmokeError.
import { randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SmokeResult } from "../../../common/build-record.js";
import { run } from "../process/spawn.js";
import { classifyDockerFailure } from "./docker-errors.js";
import { SmokeError } from "./errors.js";
import type { EnvList } from "./container-env.js";
import { parseDuration, type ResultFiles } from "./evaluate.js";
import { evaluatePlannedTest } from "./evaluate-planned.js";
import { describeImageSource, type SmokeImageSource } from "./image-source.js";
import { RESULTS_CONTEXT, RESULTS_CONTEXT_MODE, TOOLS_CONTEXT, buildSmokePlan } from "./plan.js";
import { RESULTS_DIR } from "./script.js";
import type { SmokeFile } from "./smoke-file.js";
import { DEFAULT_BUSYBOX, placeBusybox } from "./tools.js";

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
  /** A statically linked busybox (default /bin/busybox, Debian's busybox-static). */
  busybox?: string;
  /**
   * Where containerRunOptions.envVars take their values from, as container-structure-test
   * takes them from its own environment. Default none: a build must not hand the
   * builder's environment (its secrets) to the image under test.
   */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** See PlanImage.commandUser; with null, command tests fail as the user cannot be found. */
  commandUser?: { user: string; override: string | null };
}

export interface SmokeBuildArgvInput {
  docker: string;
  builder?: string;
  platform?: string;
  dockerfile: string;
  contextDir: string;
  outputDir: string;
  buildContexts: Record<string, string>;
  /** The containers' hostname (BUILDKIT_SANDBOX_HOSTNAME). */
  hostname?: string;
}

/** Pure: the `docker buildx build` argv that runs a smoke plan. */
export function buildSmokeBuildArgv(input: SmokeBuildArgvInput): string[] {
  const argv = [input.docker, "buildx", "build"];
  if (input.builder) argv.push("--builder", input.builder);
  argv.push("--progress=plain");
  if (input.platform) argv.push("--platform", input.platform);
  if (input.hostname) argv.push("--build-arg", `BUILDKIT_SANDBOX_HOSTNAME=${input.hostname}`);
  for (const [name, value] of Object.entries(input.buildContexts))
    argv.push("--build-context", `${name}=${value}`);
  argv.push("--file", input.dockerfile, "--output", `type=local,dest=${input.outputDir}`, input.contextDir);
  return argv;
}

async function readResults(dir: string, indexes: readonly number[]): Promise<ResultFiles[]> {
  const names = await readdir(dir);
  return Promise.all(
    indexes.map(async (index) => {
      const files: Record<string, string> = {};
      for (const name of names) {
        const dot = name.indexOf(".");
        if (name.slice(0, dot) !== String(index)) continue;
        files[name.slice(dot + 1)] = await readFile(path.join(dir, name), "utf8");
      }
      return files as ResultFiles;
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
  resolved: { env: EnvList; digest?: string },
  options: RunPlanOptions,
): Promise<SmokeResult[]> {
  // Docker names a container's host after its id: 12 hex digits.
  const hostname = randomBytes(6).toString("hex");
  const plan = buildSmokePlan(file, {
    source: image,
    runId: randomUUID(),
    hostname,
    env: resolved.env,
    hostEnv: options.hostEnv ?? {},
    ...(resolved.digest ? { digest: resolved.digest } : {}),
    ...(options.commandUser ? { commandUser: options.commandUser.override } : {}),
  });
  const work = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), "cb-smoke-"));
  try {
    const dockerfile = path.join(work, "Dockerfile");
    const contextDir = path.join(work, "context");
    const outputDir = path.join(work, "out");
    const resultsDir = path.join(contextDir, RESULTS_CONTEXT, RESULTS_DIR);
    const toolsDir = path.join(contextDir, TOOLS_CONTEXT);
    await Promise.all([
      writeFile(dockerfile, plan.dockerfile),
      mkdir(resultsDir, { recursive: true }),
      mkdir(toolsDir, { recursive: true }),
    ]);
    await Promise.all([
      chmod(resultsDir, RESULTS_CONTEXT_MODE), // mkdir's mode is cut by the umask
      placeBusybox(options.busybox ?? DEFAULT_BUSYBOX, path.join(toolsDir, "busybox")),
    ]);
    const argv = buildSmokeBuildArgv({
      ...options,
      dockerfile,
      contextDir,
      outputDir,
      buildContexts: plan.buildContexts,
      hostname,
    });
    await executePlan(argv, describeImageSource(image), options);
    const indexes = [...plan.tests.map((t) => t.index), plan.filesIndex];
    const files = await readResults(outputDir, indexes);
    const shared = plan.tests.filter((t) => t.kind !== "command").length;
    const sharedMs = Math.round(parseDuration(files.at(-1)!.ms) / Math.max(1, shared));
    const noUser = options.commandUser?.override === null ? options.commandUser.user : undefined;
    return plan.tests.map((t, i) => {
      // Docker cannot create the container either: runc's message, as the driver reports it.
      if (noUser !== undefined && t.kind === "command" && !t.test.invalid) {
        const why = `error creating container: unable to find user ${noUser}: no matching entries in passwd file`;
        return { name: t.name, kind: "command", passed: false, durationMs: 0, message: why };
      }
      return evaluatePlannedTest(t, files[i]!, sharedMs);
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
