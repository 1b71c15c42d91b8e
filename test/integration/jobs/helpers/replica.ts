// Builds BuildService replicas on a shared data dir for tests, with the real store and
// the process executor.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { builderConfigSchema, type BuilderConfig } from "../../../../builder/src/config/builder-config.js";
import { BuildService } from "../../../../builder/src/jobs/build-service.js";
import type { BuildServiceDeps, JobSettings } from "../../../../builder/src/jobs/job-context.js";
import { FileBuildStore } from "../../../../builder/src/store/file-build-store.js";
import { createProcessExecutor } from "./process-executor.js";

export const TEST_CONFIG: BuilderConfig = builderConfigSchema.parse({
  sources: {
    local: { path: "." },
    app: { git: "https://github.com/acme/app.git" },
  },
  targets: {
    a: { source: "local", image: "127.0.0.1:5001/jobs/a", tags: ["{target}"], schedule: true },
    b: { source: "local", image: "127.0.0.1:5001/jobs/b", tags: ["{target}"] },
    c: { source: "local", image: "127.0.0.1:5001/jobs/c", tags: ["{target}"], schedule: true },
    web: { source: "app", image: "127.0.0.1:5001/jobs/web", watch: ["web/**"] },
    api: { source: "app", image: "127.0.0.1:5001/jobs/api", watch: ["api/**", "shared/**"] },
  },
});

export const TEST_SETTINGS: JobSettings = {
  concurrency: 2,
  queueMax: 50,
  buildTimeoutMs: 60_000,
  queueTtlMs: 600_000,
  maxAttempts: 2,
  leaseMs: 1500,
  pollMs: 100,
  queueFullRetryAfter: 30,
  shutdownRetryAfter: 5,
  uploadRetentionMs: 24 * 3600_000,
  sweepMs: 60_000,
};

export function createReplica(
  dataDir: string,
  owner: string,
  settings: Partial<JobSettings> = {},
  extra: Pick<BuildServiceDeps, "onBuildEnded"> = {},
): BuildService {
  return new BuildService({
    ...extra,
    store: new FileBuildStore(dataDir),
    config: TEST_CONFIG,
    dataDir,
    executor: createProcessExecutor(),
    settings: { ...TEST_SETTINGS, ...settings },
    owner,
    resolveRef: async () => {
      throw new Error("no network: tests pass commits explicitly");
    },
  });
}

export async function makeDataDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "jobs-test-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
