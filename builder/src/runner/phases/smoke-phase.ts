// smoke: the target's smoke file runs against the pushed image by digest (or, without a
// push, against the build's OCI layout), inside BuildKit with no network. A failed
// test fails the build with SMOKE_FAILED before the tag phase, so no tag moves.
import { access } from "node:fs/promises";
import path from "node:path";
import type { SmokeImageSource } from "../../smoke/image-source.js";
import { isInside } from "../../source/context-paths.js";
import type { BuildContext } from "./context.js";
import { PhaseFailure } from "./phase-failure.js";
import { resolveRegistryCredentials } from "./secrets.js";
import { recordOutputs } from "../../store/record-lifecycle.js";

/** The smoke file: relative to the source root if it is there, else to the config file's directory. */
export async function resolveSmokeFile(
  file: string,
  sourceRoot: string | undefined,
  configDir: string,
): Promise<string> {
  const candidates = [sourceRoot, configDir]
    .filter((d): d is string => !!d)
    .map((d) => [d, path.resolve(d, file)] as const);
  for (const [root, candidate] of candidates) {
    if (!isInside(root, candidate)) continue;
    try {
      await access(candidate);
      return candidate;
    } catch {
      // Not in this root; try the next one.
    }
  }
  throw new PhaseFailure(
    "SMOKE_FAILED",
    `smoke file ${JSON.stringify(file)} was found neither in the source nor next to the config (${configDir})`,
  );
}

export async function runSmokePhase(ctx: BuildContext): Promise<string | void> {
  const { record, target, deps } = ctx;
  if (!record.params.smoke) return "smoke tests disabled for this build";
  if (!target.smoke) return "the target has no smoke file";
  if (!record.digest) throw new PhaseFailure("SMOKE_FAILED", "there is no image digest to test");
  const file = await resolveSmokeFile(target.smoke, ctx.sourceRoot, ctx.config.dir);
  const image: SmokeImageSource = record.push
    ? { kind: "registry", ref: `${target.image}@${record.digest}` }
    : { kind: "oci-layout", dir: ctx.ociLayoutDir ?? "", digest: record.digest };
  const { runSmoke } = await import("../../smoke/run-smoke.js");
  const creds = new Map(resolveRegistryCredentials(deps).map((c) => [c.host, c]));
  const summary = await runSmoke({
    registryCredentials: (host) => creds.get(host),
    file,
    image,
    docker: deps.env.BUILDER_DOCKER,
    env: ctx.childEnv,
    ...(deps.env.BUILDER_BUILDX_BUILDER ? { builder: deps.env.BUILDER_BUILDX_BUILDER } : {}),
    signal: ctx.signal,
    secrets: ctx.secrets,
    // In the build's scratch, so a crash leaves it where the sweep finds it.
    tmpDir: ctx.workDir,
    onLine: (line) => ctx.sink.log("system", `smoke: ${line}`),
  });
  ctx.record = await ctx.sink.update((r) => recordOutputs(r, { smoke: summary }));
  for (const t of summary.results) {
    ctx.sink.log(
      "system",
      `smoke: ${t.passed ? "PASS" : "FAIL"} ${t.name} (${t.durationMs} ms)${t.message ? `: ${t.message}` : ""}`,
    );
  }
  if (summary.failed > 0) {
    const names = summary.results.filter((t) => !t.passed).map((t) => t.name);
    const kept =
      record.push && record.tags.length > 0
        ? `; nothing was published: the previous tags were left where they were (${record.tags.join(", ")}); the tested image is ${target.image}@${record.digest}`
        : "";
    throw new PhaseFailure(
      "SMOKE_FAILED",
      `${summary.failed} of ${summary.results.length} smoke tests failed: ${names.join(", ")}${kept}`,
    );
  }
}
