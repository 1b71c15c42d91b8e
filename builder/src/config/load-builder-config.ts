// Reads and validates the config file. Errors name the file and each bad JSON path.
import { readFile } from "node:fs/promises";
import { errorMessage } from "../../../common/errors.js";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { builderConfigSchema, type BuilderConfig } from "./builder-config.js";
import { describeIssues, knownKeysAt } from "../../../common/zod-issues.js";
import { findJsonSyntaxError } from "./json-syntax.js";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export interface LoadedBuilderConfig {
  config: BuilderConfig;
  /** Absolute path of the file, or of the bundled example when none was given. */
  file: string;
  /** Directory that relative paths in the config resolve against. */
  dir: string;
  bundled: boolean;
}

/** The example config shipped in the package (used when no config file exists). */
export function bundledConfigPath(): string {
  // builder/src/config -> repo root, both from sources and from dist/builder/src/config.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = here.includes(`${path.sep}dist${path.sep}`)
    ? path.resolve(here, "../../../..")
    : path.resolve(here, "../../..");
  return path.join(root, "examples", "builder.config.json");
}

export function parseBuilderConfig(text: string, file: string): BuilderConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Line and column as editors count them; V8's own message sometimes quotes the whole file.
    const at = findJsonSyntaxError(text);
    if (!at) throw new ConfigError(`${file}: not valid JSON: ${errorMessage(err).slice(0, 200)}`);
    throw new ConfigError(`${file}:${at.line}:${at.column}: not valid JSON: ${at.message}`);
  }
  const parsed = builderConfigSchema.safeParse(json);
  if (!parsed.success) {
    const knownKeys = (at: readonly PropertyKey[]) => knownKeysAt(builderConfigSchema, at);
    throw new ConfigError(`${file}: ${describeIssues(parsed.error, json, { knownKeys })}`);
  }
  return parsed.data;
}

/**
 * Loads `file`; when `file` is the default path and it does not exist, falls back to the
 * bundled example so a fresh machine works without any config.
 */
export async function loadBuilderConfig(
  file: string,
  opts: { isDefault: boolean },
): Promise<LoadedBuilderConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && opts.isDefault) {
      const bundled = bundledConfigPath();
      const config = parseBuilderConfig(await readFile(bundled, "utf8"), bundled);
      return { config, file: bundled, dir: path.dirname(bundled), bundled: true };
    }
    throw new ConfigError(`cannot read config file ${abs}: ${errorMessage(err)}`);
  }
  return { config: parseBuilderConfig(text, abs), file: abs, dir: path.dirname(abs), bundled: false };
}
