// What the build runner needs from the process around it; main.ts wires the real ones.
import type { R2Settings } from "../backup/r2.js";
import type { BuildxCapabilities } from "../buildx/version.js";
import type { TargetCacheStore } from "../cache/target-cache.js";
import type { BuilderEnv } from "../config/env.js";
import type { LoadedBuilderConfig } from "../config/load-builder-config.js";

export interface RunnerDeps {
  config: LoadedBuilderConfig;
  env: BuilderEnv;
  /** Where env-var names from the config (registry creds, tokens, build secrets) are looked up. */
  secretEnv: Readonly<Record<string, string | undefined>>;
  /** Base environment of docker and git children (DOCKER_HOST, PATH, HOME...). */
  childEnv: NodeJS.ProcessEnv;
  /** Directory for per-build scratch space (local disk). */
  workRoot: string;
  /** Directory where uploaded contexts live: <uploadsDir>/<sha256>/ */
  uploadsDir: string;
  cacheStore: TargetCacheStore;
  /** buildx version, driver and features; resolved once and reused. */
  capabilities: () => Promise<BuildxCapabilities>;
  /** Set when R2 is configured. */
  r2?: R2Settings & { bucket: string };
  /** The buildx state dir to keep visible inside per-build DOCKER_CONFIG dirs (named builders). */
  buildxStateDir?: string;
  now?: () => Date;
}
