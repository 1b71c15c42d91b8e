// The pure argv builder for `docker buildx build`. Every value is its own argv
// element (never a shell string), the context comes last after `--` so nothing can
// turn it into an option, and flags newer than the detected buildx are refused here
// instead of failing obscurely inside buildx. Modelled on docker/actions-toolkit.
import path from "node:path";
import { STAGING_TAG, hasControlCharacters } from "../../../common/values.js";
import { BuildxError } from "./errors.js";
import { findUnsupportedPlatforms, unsupportedPlatformsError } from "./platforms.js";
import { isBuildxAtLeast, type BuildxCapabilities } from "./version.js";

export type BuildxProgress = "plain" | "rawjson";

/** Where the result goes when not pushing. `oci-layout` is a directory smoke tests can name as `oci-layout://DIR`. */
export type BuildxOutput =
  | { type: "oci-layout"; dest: string }
  | { type: "image" }
  | { type: "cacheonly" }
  | { type: "local"; dest: string };

export type BuildxProvenance = "min" | "max" | false;

export interface BuildxSecret {
  /** The id a Dockerfile mounts (`RUN --mount=type=secret,id=ID`). */
  id: string;
  /** The env var of the buildx process that holds the value (the value never goes in argv). */
  env: string;
}

export interface BuildxSpec {
  builder?: string;
  contextDir: string;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Full image references. */
  tags: string[];
  platforms: string[];
  buildArgs: Record<string, string>;
  buildContexts: Record<string, string>;
  secrets: BuildxSecret[];
  stage?: string | null;
  metadataFile: string;
  /** A local cache directory to import. */
  cacheFrom?: string;
  /** A fresh local directory to export the cache to (mode=max). */
  cacheTo?: string;
  /** Also import/export the cache from/to this registry ref. */
  cacheRegistryRef?: string | null;
  noCache: boolean;
  /** Push `tags` (moves them). The builder itself uses `pushByDigest` instead. */
  push: boolean;
  /**
   * Push the result to this repository (no tag) by digest only, so no tag moves before
   * the smoke tests pass; the tag phase moves them afterwards. Exclusive with push/output.
   */
  pushByDigest?: string;
  /** Only without push; default: none (the result stays in the BuildKit cache). */
  output?: BuildxOutput;
  progress: BuildxProgress;
  labels?: Record<string, string>;
  /** Provenance attestation; default: buildx's own default (min, which makes the pushed digest an index). */
  provenance?: BuildxProvenance;
}

/** Minimum buildx versions of the flags this builder may use (from the buildx changelog/sources). */
export const BUILDX_FEATURE_VERSIONS = {
  // --build-context: buildx v0.8.0.
  buildContext: [0, 8],
  // --provenance / --attest: buildx v0.10.0.
  provenance: [0, 10],
  // --progress=rawjson: buildx v0.12 (docker/buildx#2247/#2252, cherry-picked to v0.12).
  rawjson: [0, 12],
} as const satisfies Record<string, readonly [number, number]>;

export function hasBuildxFeature(
  caps: BuildxCapabilities,
  feature: keyof typeof BUILDX_FEATURE_VERSIONS,
): boolean {
  const [major, minor] = BUILDX_FEATURE_VERSIONS[feature];
  return isBuildxAtLeast(caps.version, major, minor);
}

// A `docker`-driver build pushes to STAGING_TAG instead of a digest. buildx refuses
// `push-by-digest` for the docker driver in every release so far ("push-by-digest is
// currently not implemented for docker driver", build/build.go in v0.13.1, build/opt.go
// later), so such a push needs some tag: that one, which no deployment follows and no
// request may name. The requested tags still move only in the tag phase.

/** Whether buildx lets this builder push without a tag (every driver but `docker`). */
export function canPushByDigest(caps: BuildxCapabilities): boolean {
  return caps.builder.driver !== "docker";
}

/** argv after the docker binary, starting with "buildx". Throws BuildxError for an invalid or unsupported spec. */
export function buildBuildxArgs(spec: BuildxSpec, caps: BuildxCapabilities): string[] {
  validateSpec(spec, caps);
  const argv = ["buildx", "build"];
  if (spec.builder) argv.push("--builder", spec.builder);
  argv.push("--progress", spec.progress, "--metadata-file", spec.metadataFile, "--file", spec.dockerfile);
  if (spec.platforms.length > 0) argv.push("--platform", spec.platforms.join(","));
  for (const tag of spec.tags) argv.push("--tag", tag);
  for (const [key, value] of sortedEntries(spec.buildArgs)) argv.push("--build-arg", `${key}=${value}`);
  for (const [name, value] of sortedEntries(spec.buildContexts))
    argv.push("--build-context", `${name}=${value}`);
  for (const secret of spec.secrets) argv.push("--secret", `id=${secret.id},env=${secret.env}`);
  for (const [key, value] of sortedEntries(spec.labels ?? {})) argv.push("--label", `${key}=${value}`);
  if (spec.stage) argv.push("--target", spec.stage);
  if (spec.noCache) argv.push("--no-cache");
  argv.push(...cacheArgs(spec));
  if (spec.provenance !== undefined)
    argv.push(`--provenance=${spec.provenance === false ? "false" : `mode=${spec.provenance}`}`);
  argv.push(...outputArgs(spec, caps));
  argv.push("--", spec.contextDir);
  return argv;
}

function cacheArgs(spec: BuildxSpec): string[] {
  const out: string[] = [];
  // With --no-cache nothing is imported, but the export still seeds the next build.
  if (spec.cacheFrom && !spec.noCache) out.push("--cache-from", `type=local,src=${spec.cacheFrom}`);
  if (spec.cacheRegistryRef && !spec.noCache)
    out.push("--cache-from", `type=registry,ref=${spec.cacheRegistryRef}`);
  if (spec.cacheTo) out.push("--cache-to", `type=local,dest=${spec.cacheTo},mode=max`);
  if (spec.cacheRegistryRef) out.push("--cache-to", `type=registry,ref=${spec.cacheRegistryRef},mode=max`);
  return out;
}

function outputArgs(spec: BuildxSpec, caps: BuildxCapabilities): string[] {
  if (spec.pushByDigest) {
    // name-canonical: the image store (where there is one) names it image@digest, not :latest.
    return canPushByDigest(caps)
      ? ["--output", `type=image,name=${spec.pushByDigest},push-by-digest=true,name-canonical=true,push=true`]
      : ["--output", `type=image,name=${spec.pushByDigest}:${STAGING_TAG},push=true`];
  }
  if (spec.push) return ["--push"];
  const output = spec.output;
  if (!output) return [];
  switch (output.type) {
    case "oci-layout":
      // tar=false writes an OCI layout directory instead of a tarball.
      return ["--output", `type=oci,dest=${output.dest},tar=false`];
    case "local":
      return ["--output", `type=local,dest=${output.dest}`];
    case "image":
      return ["--output", "type=image"];
    case "cacheonly":
      return ["--output", "type=cacheonly"];
  }
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function fail(message: string): never {
  throw new BuildxError("BUILDX_INVALID_SPEC", message);
}

function unsupported(
  what: string,
  caps: BuildxCapabilities,
  feature: keyof typeof BUILDX_FEATURE_VERSIONS,
): void {
  if (hasBuildxFeature(caps, feature)) return;
  const [major, minor] = BUILDX_FEATURE_VERSIONS[feature];
  throw new BuildxError(
    "BUILDX_UNSUPPORTED",
    `${what} needs buildx ${major}.${minor} or newer, but this buildx is ${caps.version.raw}; upgrade docker-buildx`,
  );
}

function validateSpec(spec: BuildxSpec, caps: BuildxCapabilities): void {
  validatePaths(spec);
  validateValues(spec);
  if (Object.keys(spec.buildContexts).length > 0) unsupported("--build-context", caps, "buildContext");
  if (spec.progress === "rawjson") unsupported("--progress=rawjson", caps, "rawjson");
  if (spec.provenance !== undefined) unsupported("--provenance", caps, "provenance");
  if (spec.push && spec.output)
    fail(
      `push and output ${JSON.stringify(spec.output.type)} are exclusive; a pushed build's output is the registry`,
    );
  if (spec.push && spec.tags.length === 0) fail("a pushed build needs at least one tag");
  if (spec.pushByDigest !== undefined) {
    if (spec.push || spec.output || spec.tags.length > 0)
      fail("pushByDigest pushes without tags and without another output; leave push, output and tags unset");
    csvValue("pushByDigest", spec.pushByDigest);
    if (/[:@]/.test(spec.pushByDigest.slice(spec.pushByDigest.lastIndexOf("/") + 1)))
      fail(`pushByDigest ${JSON.stringify(spec.pushByDigest)} must be a repository without a tag or digest`);
  }
  checkDriver(spec, caps);
  const badPlatforms = findUnsupportedPlatforms(spec.platforms, caps.builder.platforms);
  if (badPlatforms.length > 0) throw unsupportedPlatformsError(badPlatforms, caps);
}

function validatePaths(spec: BuildxSpec): void {
  for (const [what, p] of [
    ["contextDir", spec.contextDir],
    ["dockerfile", spec.dockerfile],
    ["metadataFile", spec.metadataFile],
  ] as const) {
    if (!path.isAbsolute(p)) fail(`${what} must be an absolute path, got ${JSON.stringify(p)}`);
    plainValue(what, p);
  }
  for (const [what, p] of [
    ["cacheFrom", spec.cacheFrom],
    ["cacheTo", spec.cacheTo],
    ["output.dest", spec.output && "dest" in spec.output ? spec.output.dest : undefined],
  ] as const) {
    if (p === undefined) continue;
    if (!path.isAbsolute(p)) fail(`${what} must be an absolute path, got ${JSON.stringify(p)}`);
    csvValue(what, p);
  }
  if (spec.cacheRegistryRef) csvValue("cacheRegistryRef", spec.cacheRegistryRef);
}

function validateValues(spec: BuildxSpec): void {
  if (spec.builder !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(spec.builder)) {
    fail(`builder ${JSON.stringify(spec.builder)} is not a builder name (letters, digits, '_', '.', '-')`);
  }
  for (const tag of spec.tags) plainValue("tag", tag);
  for (const p of spec.platforms)
    if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(p))
      fail(`platform ${JSON.stringify(p)} is not like "linux/amd64"`);
  for (const [key, value] of Object.entries(spec.buildArgs)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      fail(`build-arg name ${JSON.stringify(key)} must be letters, digits and '_'`);
    if (hasControlCharacters(value)) fail(`build-arg ${key} must not contain control characters`);
  }
  for (const [name, value] of Object.entries(spec.buildContexts)) {
    if (name.startsWith("-") || name.includes("=") || name.length === 0)
      fail(`build context name ${JSON.stringify(name)} is not valid`);
    plainValue(`build context ${name}`, value);
  }
  for (const s of spec.secrets) {
    if (!/^[A-Za-z0-9_.-]+$/.test(s.id))
      fail(`secret id ${JSON.stringify(s.id)} must be letters, digits, '_', '.' or '-'`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.env))
      fail(`secret env ${JSON.stringify(s.env)} is not an environment variable name`);
  }
  for (const [key, value] of Object.entries(spec.labels ?? {})) {
    plainValue("label", key);
    if (key.includes("=")) fail(`label name ${JSON.stringify(key)} must not contain '='`);
    if (hasControlCharacters(value)) fail(`label ${key} must not contain control characters`);
  }
  if (spec.stage) plainValue("stage", spec.stage);
}

function checkDriver(spec: BuildxSpec, caps: BuildxCapabilities): void {
  if (caps.builder.driver !== "docker" || caps.containerdStore !== false) return;
  if (spec.cacheTo || spec.cacheRegistryRef) {
    throw new BuildxError(
      "BUILDX_CONTAINERD_STORE_REQUIRED",
      "cache export with the docker driver needs the containerd image store; enable containerd-snapshotter in daemon.json",
    );
  }
  if (spec.platforms.length > 1) {
    throw new BuildxError(
      "BUILDX_CONTAINERD_STORE_REQUIRED",
      `a multi-platform build (${spec.platforms.join(",")}) with the docker driver needs the containerd image store; enable containerd-snapshotter in daemon.json`,
    );
  }
}

/** A value that buildx takes as one argv element: no leading '-', no control characters. */
function plainValue(what: string, value: string): void {
  if (value.length === 0) fail(`${what} must not be empty`);
  if (value.startsWith("-")) fail(`${what} ${JSON.stringify(value)} must not start with '-'`);
  if (hasControlCharacters(value))
    fail(`${what} ${JSON.stringify(value)} must not contain control characters`);
}

/** A value embedded in buildx's CSV option syntax (`type=local,dest=VALUE`): no ',' '"' or '='. */
function csvValue(what: string, value: string): void {
  plainValue(what, value);
  if (/[,"=]/.test(value))
    fail(`${what} ${JSON.stringify(value)} must not contain ',', '"' or '=' (buildx parses it as CSV)`);
}
