// metadataTest, with container-structure-test's rules (pkg/types/v2/metadata.go and the
// docker driver's GetConfig): env vars and labels must be set and equal, or with
// isRegex match by RE2 search; unboundEnvVars must not be set; ports compare as the
// port number alone ("8188", never "8188/tcp", as the driver keeps only Port()) and
// volumes as the config's keys; cmd and entrypoint compare as whole lists when given
// (an empty list means "none"); workdir and user compare exactly when not empty.
import type { SmokeResult } from "../../../common/build-record.js";
import type { ImageConfig } from "./metadata.js";
import { checkGoRegex } from "./regex.js";
import type { EnvVar, MetadataTest } from "./smoke-file.js";

export const METADATA_TEST_NAME = "Metadata Test";

function checkPairs(kind: "env var" | "label", pairs: EnvVar[], actual: Record<string, string>): string[] {
  const failures: string[] = [];
  for (const pair of pairs) {
    if (!Object.hasOwn(actual, pair.key)) {
      failures.push(
        kind === "env var"
          ? `variable ${pair.key} not found in image env`
          : `label ${pair.key} not found in image metadata`,
      );
      continue;
    }
    const value = actual[pair.key]!;
    const ok = pair.isRegex ? checkGoRegex(pair.value, value, true) : value === pair.value;
    if (!ok) failures.push(`${kind} ${pair.key} value ${value} does not match expected value: ${pair.value}`);
  }
  return failures;
}

function sameList(expected: readonly string[], actual: readonly string[]): boolean {
  return expected.length === actual.length && expected.every((v, i) => v === actual[i]);
}

/** The docker driver's ExposedPorts: docker.Port.Port(), the number without "/tcp". */
function portNumbers(config: ImageConfig): string[] {
  return config.exposedPorts.map((p) => p.split("/")[0] ?? p);
}

export function checkMetadataFailures(test: MetadataTest, config: ImageConfig): string[] {
  if (test.invalid) return test.invalid;
  const failures = [...checkPairs("env var", test.envVars, config.env)];
  for (const pair of test.unboundEnvVars) {
    if (Object.hasOwn(config.env, pair.key))
      failures.push(`env variable ${pair.key} should not be present in image metadata`);
  }
  failures.push(...checkPairs("label", test.labels, config.labels));
  if (test.cmd && !sameList(test.cmd, config.cmd)) {
    failures.push(
      `Image Cmd ${JSON.stringify(config.cmd)} does not match expected Cmd: ${JSON.stringify(test.cmd)}`,
    );
  }
  if (test.entrypoint && !sameList(test.entrypoint, config.entrypoint)) {
    failures.push(
      `Image entrypoint ${JSON.stringify(config.entrypoint)} does not match expected entrypoint: ${JSON.stringify(test.entrypoint)}`,
    );
  }
  if (test.workdir !== "" && test.workdir !== config.workingDir) {
    failures.push(`Image workdir ${config.workingDir} does not match config workdir: ${test.workdir}`);
  }
  if (test.user !== "" && test.user !== config.user) {
    failures.push(`Image user ${config.user} does not match config user: ${test.user}`);
  }
  const ports = portNumbers(config);
  for (const port of test.exposedPorts) {
    if (!ports.includes(port))
      failures.push(`Port ${port} not found in config (exposed: ${ports.join(", ") || "none"})`);
  }
  for (const port of test.unexposedPorts) {
    if (ports.includes(port)) failures.push(`Port ${port} should not be exposed`);
  }
  for (const volume of test.volumes) {
    if (!config.volumes.includes(volume)) failures.push(`Volume ${volume} not found in config`);
  }
  for (const volume of test.unmountedVolumes) {
    if (config.volumes.includes(volume)) failures.push(`Volume ${volume} should not be mounted`);
  }
  return failures;
}

export function checkMetadata(test: MetadataTest, config: ImageConfig, durationMs = 0): SmokeResult {
  const failures = checkMetadataFailures(test, config);
  return {
    name: METADATA_TEST_NAME,
    kind: "metadata",
    passed: failures.length === 0,
    durationMs,
    ...(failures.length ? { message: failures.join("; ") } : {}),
  };
}
