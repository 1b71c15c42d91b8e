// Runs a smoke file against an image: reads the image config (metadataTest, and the
// Env that `$VAR` expands against) — in-process when the caller gives the registry
// credentials, else with `buildx imagetools inspect` — and, when there are command or
// file tests, runs the generated plan (run-plan.ts); the two run at the same time
// unless a test expands `$VAR`. Test failures are results, in container-structure-test's
// order (command, file content, file existence, license, metadata); anything that stops
// the run (image unreadable, unauthorized, no busybox or buildx, cancelled) throws a
// SmokeError.
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
import { formatOfPath, hasImageTests, parseSmokeFile, type SmokeFile } from "./schema.js";
import { errorMessage } from "../../../common/errors.js";

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
      `could not read the smoke file ${JSON.stringify(file)}: ${errorMessage(err)}`,
    );
  }
  return parseSmokeFile(text, file, formatOfPath(file));
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
  const tests = runImageTestsResolvingUser(file, image, { env: [] }, configRead, { ...options, signal });
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

/**
 * BuildKit fails a RUN step whose USER it cannot resolve, where Docker starts it: a bare
 * uid in an image without /etc/passwd runs as uid:0 there. A user that does not exist
 * fails each command test (Docker cannot create the container) but not the others.
 */
async function runImageTestsResolvingUser(
  file: SmokeFile,
  image: SmokeImageSource,
  resolved: Parameters<typeof runImageTests>[2],
  configRead: Promise<ResolvedImage>,
  options: RunSmokeOptions,
): Promise<SmokeResult[]> {
  try {
    return await runImageTests(file, image, resolved, options);
  } catch (err) {
    if (!(err instanceof SmokeError) || err.code !== "SMOKE_USER_UNKNOWN") throw err;
    const config = (await configRead).config;
    const user = file.runOptions?.user || config.user;
    const override = /^[0-9]+$/.test(user) ? `${user}:0` : null;
    options.onLine?.(
      `BuildKit could not resolve USER ${user}; running command tests ${override ? `as ${override}, as Docker does` : "as failed"}`,
    );
    return runImageTests(file, image, resolved, { ...options, commandUser: { user, override } });
  }
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
  const results = await runImageTestsResolvingUser(
    file,
    image,
    { env: resolved.config.envList, ...(resolved.digest ? { digest: resolved.digest } : {}) },
    Promise.resolve(resolved),
    options,
  );
  return { resolved, results };
}

/** container-structure-test fails a run in which no test ran. */
const NO_TESTS: SmokeResult = {
  name: "No tests",
  passed: false,
  durationMs: 0,
  message: "the smoke file has no test to run; container-structure-test fails a run without tests",
};

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
  for (const skipped of file.skipped) {
    options.onLine?.(`skipped (container-structure-test skips it too): ${skipped}`);
  }
  const { resolved, results } = await runChecks(file, image, configRead, options);
  if (file.metadataTest) results.push(checkMetadata(file.metadataTest, resolved.config, configMs));
  if (results.length === 0) results.push(NO_TESTS);
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
