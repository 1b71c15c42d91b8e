// Runs a smoke file against an image: reads the image config (metadataTest, and the
// USER the checks run as), then — when there are command or file tests — one
// `docker buildx build` of the generated plan with `--no-cache` (a re-run re-executes
// every check), `--progress=plain` and `--output type=local` into a temp directory that
// is removed afterwards. Test failures are results; anything that stops the run
// (image unreadable, unauthorized, no shell, no buildx, cancelled) throws a SmokeError.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SmokeResult, SmokeSummary } from "../../../common/build-record.js";
import { buildRedactor, run } from "../process/spawn.js";
import { classifyDockerFailure } from "./docker-errors.js";
import { SmokeError } from "./errors.js";
import { evaluateTest, type ResultFiles } from "./evaluate.js";
import { describeImageSource, parseImageSource, type SmokeImageSource } from "./image-source.js";
import { checkMetadata } from "./metadata-check.js";
import { resolveLayoutConfig, resolveRegistryConfig, type ResolvedImage } from "./metadata.js";
import { buildSmokePlan, type PlannedTest } from "./plan.js";
import { hasImageTests, parseSmokeFile, type SmokeFile } from "./schema.js";
import type { ResultExt } from "./script.js";

export interface RunSmokeOptions {
  /** A path to a smoke file (YAML or JSON), or an already parsed one. */
  file: string | SmokeFile;
  image: SmokeImageSource;
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
  argv.push("--progress=plain", "--no-cache");
  if (input.platform) argv.push("--platform", input.platform);
  for (const [name, value] of Object.entries(input.buildContexts))
    argv.push("--build-context", `${name}=${value}`);
  argv.push("--file", input.dockerfile, "--output", `type=local,dest=${input.outputDir}`, input.contextDir);
  return argv;
}

async function loadFile(file: string | SmokeFile): Promise<SmokeFile> {
  if (typeof file !== "string") return file;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new SmokeError(
      "SMOKE_FILE_INVALID",
      `could not read the smoke file ${JSON.stringify(file)}: ${(err as Error).message}`,
    );
  }
  return parseSmokeFile(text, file);
}

async function resolveImage(image: SmokeImageSource, options: RunSmokeOptions): Promise<ResolvedImage> {
  if (image.kind === "oci-layout") return resolveLayoutConfig(image, options.platform);
  const config = await resolveRegistryConfig(image.ref, {
    docker: options.docker,
    env: options.env,
    ...(options.builder ? { builder: options.builder } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  return { config };
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
async function executePlan(argv: string[], imageName: string, options: RunSmokeOptions): Promise<void> {
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

async function runImageTests(
  file: SmokeFile,
  image: SmokeImageSource,
  resolved: ResolvedImage,
  options: RunSmokeOptions,
) {
  const plan = buildSmokePlan(file, {
    source: image,
    user: resolved.config.user,
    env: resolved.config.env,
    ...(resolved.digest ? { digest: resolved.digest } : {}),
  });
  const work = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), "cb-smoke-"));
  try {
    const dockerfile = path.join(work, "Dockerfile");
    const contextDir = path.join(work, "context");
    const outputDir = path.join(work, "out");
    await Promise.all([writeFile(dockerfile, plan.dockerfile), mkdir(contextDir)]);
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

export async function runSmoke(options: RunSmokeOptions): Promise<SmokeSummary> {
  const started = Date.now();
  const file = await loadFile(options.file);
  const image = parseImageSource(options.image);
  const resolveStarted = Date.now();
  const resolved = await resolveImage(image, options);
  const configMs = Date.now() - resolveStarted;
  const results: SmokeResult[] = hasImageTests(file)
    ? await runImageTests(file, image, resolved, options)
    : [];
  if (file.metadataTest) results.push(checkMetadata(file.metadataTest, resolved.config, configMs));
  // Test output is the image's, not ours, but it goes into records and logs all the same.
  const redact = buildRedactor(options.secrets);
  for (const r of results) {
    if (r.output !== undefined) r.output = redact(r.output);
    if (r.message !== undefined) r.message = redact(r.message);
  }
  const failed = results.filter((r) => !r.passed).length;
  return {
    ...(typeof options.file === "string" ? { file: options.file } : {}),
    image: describeImageSource(image),
    passed: results.length - failed,
    failed,
    durationMs: Date.now() - started,
    results,
  };
}
