// What the buildx on this machine can do: its version (argv gates), the builder it
// will use (name, driver, platforms) and, for the `docker` driver, whether the daemon
// uses the containerd image store, without which cache export and multi-platform
// output fail (see PLATFORM.md "BuildKit and buildx facts").
import { run, type RunResult } from "../process/spawn.js";
import { BuildxError } from "./errors.js";

export interface BuildxVersion {
  major: number;
  minor: number;
  patch: number;
  /** The version as buildx printed it, e.g. "0.13.1+ds1". */
  raw: string;
}

export type BuildxDriver = "docker" | "docker-container" | "kubernetes" | "remote" | "cloud" | "unknown";

export interface BuildxBuilderInfo {
  name: string;
  driver: BuildxDriver;
  platforms: string[];
  /** The first node's status as buildx reports it: "running", "inactive", "stopped"... */
  status?: string;
}

export interface BuildxCapabilities {
  version: BuildxVersion;
  builder: BuildxBuilderInfo;
  /** For the docker driver: whether dockerd uses the containerd image store. `null` for other drivers. */
  containerdStore: boolean | null;
}

/** Parses `docker buildx version` output ("github.com/docker/buildx v0.13.1 abc…" or "… 0.13.1+ds1 …"). */
export function parseBuildxVersion(text: string): BuildxVersion {
  const m = /buildx\S*\s+v?(\d+)\.(\d+)\.(\d+)(\S*)/.exec(text) ?? /\bv?(\d+)\.(\d+)\.(\d+)(\S*)/.exec(text);
  if (!m) {
    throw new BuildxError(
      "BUILDX_UNAVAILABLE",
      `could not read a buildx version from ${JSON.stringify(text.slice(0, 200))}; expected output like "github.com/docker/buildx v0.13.1 …"`,
    );
  }
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    raw: `${m[1]}.${m[2]}.${m[3]}${m[4] ?? ""}`,
  };
}

/** True when `version` is at least major.minor. */
export function isBuildxAtLeast(version: BuildxVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

const DRIVERS: readonly BuildxDriver[] = ["docker", "docker-container", "kubernetes", "remote", "cloud"];

/** Parses `docker buildx inspect [name]`: the builder's name, driver and the first node's platforms. */
export function parseBuildxInspect(text: string): BuildxBuilderInfo {
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, "m").exec(text)?.[1]?.trim();
  const name = field("Name");
  const driverText = field("Driver");
  if (!name || !driverText) {
    throw new BuildxError(
      "BUILDX_UNAVAILABLE",
      `could not read a builder name and driver from \`docker buildx inspect\` output ${JSON.stringify(text.slice(0, 200))}`,
    );
  }
  const driver = (DRIVERS as readonly string[]).includes(driverText)
    ? (driverText as BuildxDriver)
    : "unknown";
  const platformText = field("Platforms") ?? "";
  const platforms = platformText
    .split(",")
    .map((p) => p.trim().replace(/\*$/, ""))
    .filter((p) => p.length > 0);
  const status = field("Status");
  return { name, driver, platforms, ...(status ? { status } : {}) };
}

/** Whether `docker info -f '{{json .DriverStatus}}'` names the containerd snapshotter. */
export function parseContainerdStore(driverStatusJson: string): boolean {
  return driverStatusJson.includes("io.containerd.snapshotter");
}

export interface ResolveCapabilitiesOptions {
  /** The docker CLI (buildx is its plugin). */
  docker: string;
  /** A named builder (BUILDER_BUILDX_BUILDER); default: the current one. */
  builder?: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /**
   * Start a `docker-container` builder that is not running yet (`inspect --bootstrap`), so
   * a BuildKit image that cannot be pulled is found now rather than by the first build.
   */
  bootstrap?: { signal?: AbortSignal };
}

/**
 * Asks buildx and the daemon what they can do. Throws BuildxError when buildx does not
 * answer, the builder does not exist, or the docker driver runs without the containerd
 * image store.
 */
export async function resolveBuildxCapabilities(
  options: ResolveCapabilitiesOptions,
): Promise<BuildxCapabilities> {
  const { docker, env, signal } = options;
  const inspectArgv = [docker, "buildx", "inspect", ...(options.builder ? ["--", options.builder] : [])];
  // The three probes are independent: asked at once, they cost one docker round trip of latency.
  const [versionResult, inspectResult, info] = await Promise.all([
    run([docker, "buildx", "version"], { env, signal }),
    run(inspectArgv, { env, signal }),
    run([docker, "info", "--format", "{{json .DriverStatus}}"], { env, signal }),
  ]);
  requireSuccess(versionResult, "docker buildx version", "is the docker-buildx plugin installed?");
  const version = parseBuildxVersion(versionResult.stdout.join("\n"));
  requireSuccess(
    inspectResult,
    `docker buildx inspect${options.builder ? ` ${options.builder}` : ""}`,
    options.builder
      ? `is there a builder named ${JSON.stringify(options.builder)} (docker buildx ls)?`
      : "is the Docker daemon running?",
  );
  const builder = parseBuildxInspect(inspectResult.stdout.join("\n"));

  let containerdStore: boolean | null = null;
  if (builder.driver === "remote" && builder.status !== "running") {
    // buildx reports an unreachable remote BuildKit as "inactive" and exits 0: every build would fail.
    throw new BuildxError(
      "BUILDX_UNAVAILABLE",
      `the remote BuildKit of buildx builder ${JSON.stringify(builder.name)} does not answer (status ${builder.status ?? "unknown"}); check that buildkitd runs at its endpoint and that the client certificates match it (\`docker buildx inspect ${builder.name}\`)`,
    );
  }
  if (builder.driver === "docker-container" && builder.status !== "running" && options.bootstrap) {
    await bootstrapBuilder(docker, builder.name, env, options.bootstrap.signal);
  }
  if (builder.driver === "docker") {
    requireSuccess(info, "docker info", "is the Docker daemon running?");
    containerdStore = parseContainerdStore(info.stdout.join("\n"));
    if (!containerdStore) {
      throw new BuildxError(
        "BUILDX_CONTAINERD_STORE_REQUIRED",
        `the buildx builder ${JSON.stringify(builder.name)} uses the docker driver, but the daemon does not use the containerd image store, so cache export and multi-platform builds cannot work; ` +
          'set {"features": {"containerd-snapshotter": true}} in /etc/docker/daemon.json and restart dockerd (images pulled before are not visible in the new store), ' +
          "or use a builder of another driver (BUILDER_BUILDKIT_MODE=docker-container, or its name in BUILDER_BUILDX_BUILDER); see docs/deploy.md",
      );
    }
  }
  return { version, builder, containerdStore };
}

async function bootstrapBuilder(
  docker: string,
  name: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
): Promise<void> {
  const result = await run([docker, "buildx", "inspect", "--bootstrap", "--", name], {
    env,
    ...(signal ? { signal } : {}),
  });
  if (result.aborted) {
    throw new BuildxError(
      "BUILDX_UNAVAILABLE",
      `the docker-container buildx builder ${JSON.stringify(name)} did not start in time (\`docker buildx inspect --bootstrap ${name}\`); its BuildKit image may still be pulling`,
    );
  }
  requireSuccess(
    result,
    `docker buildx inspect --bootstrap ${name}`,
    "the docker-container builder cannot start its BuildKit container; can the daemon pull its image (moby/buildkit from Docker Hub unless --driver-opt image= names another)?",
  );
}

function requireSuccess(result: RunResult, what: string, hint: string): void {
  if (result.exitCode === 0) return;
  if (result.aborted)
    throw new BuildxError("BUILDX_UNAVAILABLE", `\`${what}\` did not answer in time; ${hint}`);
  const tail = [...result.stderr, ...result.stdout].slice(-3).join(" ").trim();
  throw new BuildxError(
    "BUILDX_UNAVAILABLE",
    `\`${what}\` failed (exit ${result.exitCode ?? result.signal})${tail ? `: ${tail}` : ""}; ${hint}`,
  );
}
