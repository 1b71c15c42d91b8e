// Which config file the builder uses: an explicit path, else BUILDER_CONFIG, else
// ./builder.config.json — and when that default does not exist, the bundled example.
import type { BuilderEnv } from "./env.js";
import { loadBuilderConfig, type LoadedBuilderConfig } from "./load-builder-config.js";

export const DEFAULT_CONFIG_FILE = "./builder.config.json";

export function loadConfiguredBuilderConfig(
  env: BuilderEnv,
  explicit?: string,
): Promise<LoadedBuilderConfig> {
  const file = explicit ?? env.BUILDER_CONFIG ?? DEFAULT_CONFIG_FILE;
  return loadBuilderConfig(file, { isDefault: explicit === undefined && env.BUILDER_CONFIG === undefined });
}
