// Runs a smoke file against an image: reads the image config (metadataTest, and the
// Env that `$VAR` expands against) — in-process when the caller gives the registry
// credentials, else with `buildx imagetools inspect` — and, when there are command or
// file tests, runs the generated plan (run-plan.ts); the two run at the same time
// unless a test expands `$VAR`. Test failures are results; anything that stops the run
// (image unreadable, unauthorized, no shell, no buildx, cancelled) throws a SmokeError.
import { readFile } from "node:fs/promises";
import type { SmokeResult, SmokeSummary } from "../../../common/build-record.js";
import type { RegistryCredentials } from "../registry/client.js";
import { buildRedactor } from "../process/spawn.js";
import { SmokeError } from "./errors.js";
import { describeImageSource, parseImageSource, type SmokeImageSource } from "./image-source.js";
import { checkMetadata } from "./metadata-check.js";
import { resolveLayoutConfig, resolveRegistryConfig, type ResolvedImage } from "./metadata.js";
import { usesImageEnv } from "./plan.js";
import { readRegistryConfig } from "./registry-config.js";
import { runImageTests, type RunPlanOptions } from "./run-plan.js";
import { hasImageTests, parseSmokeFile, type SmokeFile } from "./schema.js";

export { buildSmokeBuildArgv, type RunPlanOptions, type SmokeBuildArgvInput } from "./run-plan.js";

export interface RunSmokeOptions extends RunPlanOptions {
  /** A path to a smoke file (YAML or JSON), or an already parsed one. */
  file: string | SmokeFile;
  image: SmokeImageSource;
  /**
   * Registry credentials by host (undefined = anonymous). When given, the image config
   * is read in-process; when absent, by `buildx imagetools inspect` with DOCKER_CONFIG.
   */
  registryCredentials?: (host: string) => RegistryCredentials | undefined;
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
  if (options.registryCredentials) {
    const config = await readRegistryConfig(image.ref, {
      credentials: options.registryCredentials,
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { config };
  }
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

/**
 * The build runs beside the config read when it does not need the config's Env. A
 * config read that fails wins (it says what is wrong with the image) and cancels the build.
 */
async function runBesideConfigRead(
  file: SmokeFile,
  image: SmokeImageSource,
  configRead: Promise<ResolvedImage>,
  options: RunSmokeOptions,
): Promise<{ resolved: ResolvedImage; results: SmokeResult[] }> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const tests = runImageTests(file, image, { env: {} }, { ...options, signal });
  // Handled below; this only keeps an early build failure from counting as unhandled.
  tests.catch(() => undefined);
  let resolved: ResolvedImage;
  try {
    resolved = await configRead;
  } catch (err) {
    stop.abort();
    await tests.catch(() => undefined); // cancelled on purpose; the config error is the one to report
    throw err;
  }
  return { resolved, results: await tests };
}

async function runChecks(
  file: SmokeFile,
  image: SmokeImageSource,
  configRead: Promise<ResolvedImage>,
  options: RunSmokeOptions,
): Promise<{ resolved: ResolvedImage; results: SmokeResult[] }> {
  if (!hasImageTests(file)) return { resolved: await configRead, results: [] };
  if (image.kind === "registry" && !usesImageEnv(file))
    return runBesideConfigRead(file, image, configRead, options);
  const resolved = await configRead;
  const env = resolved.config.env;
  const results = await runImageTests(file, image, { env, ...resolved }, options);
  return { resolved, results };
}

export async function runSmoke(options: RunSmokeOptions): Promise<SmokeSummary> {
  const started = Date.now();
  const file = await loadFile(options.file);
  const image = parseImageSource(options.image);
  const resolveStarted = Date.now();
  let configMs = 0;
  const configRead = resolveImage(image, options).then((r) => {
    configMs = Date.now() - resolveStarted;
    return r;
  });
  const { resolved, results } = await runChecks(file, image, configRead, options);
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
