// `comfyume-builder config check [FILE]`: validate a config file and print what it would build.
import { readFileSync } from "node:fs";
import path from "node:path";
import { EXIT, type ExitCode } from "../../../common/exit-codes.js";
import { describeUnconsumedBuildArgs, findUnconsumedBuildArgs } from "../buildx/dockerfile-args.js";
import type { BuilderEnv } from "../config/env.js";
import { loadConfiguredBuilderConfig } from "../config/resolve-config-file.js";
import type { BuilderConfig } from "../config/builder-config.js";

/** Lines describing every target, and warnings for env vars the config names that are unset. */
export function describeConfig(
  config: BuilderConfig,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const lines: string[] = [];
  for (const [name, t] of Object.entries(config.targets)) {
    const source = config.sources[t.source];
    const from =
      source && "git" in source ? `${source.git} (default ref ${source.defaultRef})` : `path ${source?.path}`;
    lines.push(`target ${name}`);
    lines.push(`  image     ${t.image}:{${t.tags.join(", ")}}`);
    lines.push(`  source    ${t.source}: ${from}`);
    lines.push(`  context   ${t.context}   dockerfile ${t.dockerfile ?? `${t.context}/Dockerfile`}`);
    lines.push(`  platforms ${t.platforms.join(", ")}${t.stage ? `   stage ${t.stage}` : ""}`);
    if (Object.keys(t.buildArgs).length) lines.push(`  args      ${Object.keys(t.buildArgs).join(", ")}`);
    lines.push(
      `  smoke     ${t.smoke ?? "none"}   backup ${t.backup.r2 ? "R2" : "no"}   push ${t.push ? "yes" : "no"}   schedule ${t.schedule ? "yes" : "no"}`,
    );
    if (t.watch.length) lines.push(`  watch     ${t.watch.join(", ")}`);
  }
  const names = new Set<string>();
  for (const r of Object.values(config.registries)) names.add(r.usernameEnv).add(r.passwordEnv);
  for (const s of Object.values(config.sources)) if ("git" in s && s.tokenEnv) names.add(s.tokenEnv);
  for (const t of Object.values(config.targets)) for (const e of Object.values(t.secrets)) names.add(e);
  for (const n of [...names].sort())
    if (!env[n]) lines.push(`warning: env var ${n} named by the config is not set`);
  return lines;
}

/**
 * Warnings for build args a target sets that its Dockerfile never declares, for targets whose
 * Dockerfile can be read here (path sources; a git source's Dockerfile is read by each build).
 */
export function describeBuildArgWarnings(config: BuilderConfig, configDir: string): string[] {
  const lines: string[] = [];
  for (const [name, t] of Object.entries(config.targets)) {
    const source = config.sources[t.source];
    if (!source || !("path" in source) || Object.keys(t.buildArgs).length === 0) continue;
    const dockerfile = t.dockerfile ?? `${t.context}/Dockerfile`;
    let text: string;
    try {
      text = readFileSync(path.resolve(configDir, source.path, dockerfile), "utf8");
    } catch {
      continue; // unreadable here: the build reports it with the source
    }
    const warning = describeUnconsumedBuildArgs(
      dockerfile,
      findUnconsumedBuildArgs(text, Object.keys(t.buildArgs), t.stage),
    );
    if (warning) lines.push(`warning: target ${name}: ${warning}`);
  }
  return lines;
}

export async function configCheckCommand(
  env: BuilderEnv,
  processEnv: Readonly<Record<string, string | undefined>>,
  file?: string,
): Promise<ExitCode> {
  const loaded = await loadConfiguredBuilderConfig(env, file);
  process.stdout.write(`${loaded.file}: ok${loaded.bundled ? " (the bundled example config)" : ""}\n`);
  for (const line of [
    ...describeConfig(loaded.config, processEnv),
    ...describeBuildArgWarnings(loaded.config, loaded.dir),
  ])
    process.stdout.write(`${line}\n`);
  return EXIT.OK;
}
