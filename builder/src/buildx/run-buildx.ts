// Runs one `docker buildx build` through process/spawn.ts and turns what happened into
// data: ok or not, the metadata file's digest, step counts, and the useful error.
// A failed build is a result, not an exception; only a buildx that cannot be started
// rejects.
//
// Step logs: BuildKit clips each step's log at 2 MiB (BUILDKIT_STEP_LOG_MAX_SIZE) on
// the daemon side. The variable is read by the process hosting BuildKit (dockerd for
// the docker driver, buildkitd otherwise), so setting it in the buildx client's env has
// no effect. To keep full logs set it in dockerd's environment, or create the builder
// with `--driver-opt env.BUILDKIT_STEP_LOG_MAX_SIZE=-1` (docker-container driver) /
// in buildkitd's environment (remote). The plain printer itself does not clip: every
// line BuildKit sends reaches onLine.
import { rm } from "node:fs/promises";
import { run, type OutputStream } from "../process/spawn.js";
import { buildBuildxArgs, type BuildxSpec } from "./argv.js";
import { resolveBuildxMetadata, type BuildxMetadata } from "./metadata.js";
import { BuildxProgressParser, type BuildxErrorKind, type CacheProblem } from "./progress.js";
import type { BuildxCapabilities } from "./version.js";

export interface RunBuildxOptions {
  /** The docker CLI (buildx is its plugin). */
  docker: string;
  /** Full environment for buildx: DOCKER_HOST, DOCKER_CONFIG (per-build), and the env vars named by spec.secrets. */
  env: NodeJS.ProcessEnv;
  caps: BuildxCapabilities;
  signal?: AbortSignal;
  /** Every output line, already redacted. */
  onLine?: (stream: OutputStream, line: string) => void;
  /** Values that must never appear in output (registry passwords, build secrets). */
  secrets: readonly string[];
  /** Told the argv before it runs, for the build log (it never holds a secret: those are in env and files). */
  onCommand?: (argv: readonly string[]) => void;
}

export interface BuildxOutcome {
  ok: boolean;
  /** The AbortSignal fired (cancel or timeout) and the process group was killed. */
  aborted: boolean;
  metadata?: BuildxMetadata;
  steps: { total: number; cached: number };
  error?: {
    kind: BuildxErrorKind;
    message: string;
    step?: string;
    output?: string[];
    /** A push the registry failed for a moment: running the same build again may well succeed. */
    transient?: boolean;
  };
  /** Set when a local cache could not be imported or exported (the build may still have succeeded). */
  cacheProblem?: CacheProblem;
  exitCode: number | null;
  durationMs: number;
}

/** Runs the build. Rejects only for an invalid spec (BuildxError) or when docker cannot be started. */
export async function runBuildx(spec: BuildxSpec, options: RunBuildxOptions): Promise<BuildxOutcome> {
  const argv = [options.docker, ...buildBuildxArgs(spec, options.caps)];
  // A metadata file left by an earlier attempt must not be mistaken for this build's result.
  await rm(spec.metadataFile, { force: true });
  options.onCommand?.(argv);
  const parser = new BuildxProgressParser([spec.cacheFrom, spec.cacheTo].filter((d): d is string => !!d));
  const result = await run(argv, {
    env: options.env,
    signal: options.signal,
    secrets: options.secrets,
    keepLines: 50,
    onLine: (stream, line) => {
      parser.push(line);
      options.onLine?.(stream, line);
    },
  });
  const summary = parser.summary();
  const base = {
    aborted: result.aborted,
    steps: summary.steps,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    ...(summary.cacheProblem && { cacheProblem: summary.cacheProblem }),
  };
  if (result.aborted) {
    return {
      ...base,
      ok: false,
      error: { kind: "unknown", message: "the build was stopped before it finished" },
    };
  }
  if (result.exitCode === 0) {
    const metadata = await resolveBuildxMetadata(spec.metadataFile);
    return { ...base, ok: true, ...(metadata && { metadata }) };
  }
  const failure = summary.failure;
  if (failure) {
    return {
      ...base,
      ok: false,
      error: {
        kind: failure.kind,
        message: failure.message,
        ...(failure.step && { step: failure.step }),
        ...(failure.output.length > 0 && { output: failure.output }),
        ...(failure.transient && { transient: true }),
      },
    };
  }
  const tail = [...result.stderr, ...result.stdout].slice(-5).join("\n").trim();
  return {
    ...base,
    ok: false,
    error: {
      kind: "unknown",
      message: `docker buildx build exited with ${result.exitCode ?? result.signal}${tail ? `: ${tail}` : ""}`,
    },
  };
}
