// metadataTest, evaluated against the image config with container-structure-test's
// rules: env vars and labels compare exactly or, with isRegex, by unanchored regex;
// exposedPorts match by port number ("8188") or in full ("8188/tcp"); entrypoint and
// cmd compare as whole lists; workdir and user compare exactly when given.
import type { SmokeResult } from "../../../common/build-record.js";
import type { ImageConfig } from "./metadata.js";
import type { MetadataPair, MetadataTest } from "./schema.js";
import { matchesGoRegex } from "./regex.js";

export const METADATA_TEST_NAME = "Metadata Test";

function checkPairs(
  kind: "env var" | "label",
  pairs: MetadataPair[],
  actual: Record<string, string>,
): string[] {
  const failures: string[] = [];
  for (const pair of pairs) {
    const value = actual[pair.key];
    if (value === undefined) {
      failures.push(`${kind} ${pair.key} is not set in the image`);
      continue;
    }
    const ok = pair.isRegex ? matchesGoRegex(pair.value, value) : value === pair.value;
    if (!ok) {
      const expected = pair.isRegex ? `/${pair.value}/` : JSON.stringify(pair.value);
      failures.push(`${kind} ${pair.key} is ${JSON.stringify(value)}, expected ${expected}`);
    }
  }
  return failures;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function hasPort(exposed: readonly string[], port: string): boolean {
  return exposed.some((key) => key === port || (!port.includes("/") && key.split("/")[0] === port));
}

export function checkMetadataFailures(test: MetadataTest, config: ImageConfig): string[] {
  const failures = [
    ...checkPairs("env var", test.envVars, config.env),
    ...checkPairs("label", test.labels, config.labels),
  ];
  for (const port of test.exposedPorts) {
    if (!hasPort(config.exposedPorts, port)) {
      failures.push(`port ${port} is not exposed (exposed: ${config.exposedPorts.join(", ") || "none"})`);
    }
  }
  if (test.entrypoint && !sameList(test.entrypoint, config.entrypoint)) {
    failures.push(
      `entrypoint is ${JSON.stringify(config.entrypoint)}, expected ${JSON.stringify(test.entrypoint)}`,
    );
  }
  if (test.cmd && !sameList(test.cmd, config.cmd)) {
    failures.push(`cmd is ${JSON.stringify(config.cmd)}, expected ${JSON.stringify(test.cmd)}`);
  }
  if (test.workdir !== undefined && test.workdir !== "" && test.workdir !== config.workingDir) {
    failures.push(
      `workdir is ${JSON.stringify(config.workingDir)}, expected ${JSON.stringify(test.workdir)}`,
    );
  }
  if (test.user !== undefined && test.user !== "" && test.user !== config.user) {
    failures.push(`user is ${JSON.stringify(config.user)}, expected ${JSON.stringify(test.user)}`);
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
