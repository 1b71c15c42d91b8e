// createApp() for HTTP tests, wired like server.ts but in-process: a real FileBuildStore in
// a temp dir and the real BuildService (submit, dedup, idempotency, cancel, retry, hooks,
// schedules, the job loop), with only the build runner faked (held-executor.ts). The job
// loop starts when a test calls start(): until then every build stays queued.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { builderConfigSchema, type BuilderConfig } from "../../../builder/src/config/builder-config.js";
import type { ReadyCheck } from "../../../builder/src/guards/readiness.js";
import { createApp } from "../../../builder/src/http/app.js";
import type { AppDeps } from "../../../builder/src/http/deps.js";
import { createMetrics } from "../../../builder/src/http/metrics.js";
import { BuildService } from "../../../builder/src/jobs/build-service.js";
import type { JobSettings } from "../../../builder/src/jobs/job-context.js";
import { createLogger } from "../../../builder/src/logging/logger.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import { waitFor } from "../../helpers/wait-for.js";
import { HeldExecutor } from "./held-executor.js";

export const API_TOKEN = "api-token-0123456789abcdef";
export const READ_TOKEN = "read-token-0123456789abcdef";
export const WEBHOOK_SECRET = "webhook-secret-0123456789";
/** What ref resolution (git ls-remote in production) answers for every ref. */
export const RESOLVED_COMMIT = "c0ffee00c1d2e3f4a5b6c7d8e9f0011223344556";

export const TEST_CONFIG: BuilderConfig = builderConfigSchema.parse({
  sources: {
    repo: { git: "https://github.com/ahelme/comfyume-v1.git", tokenEnv: "GH_TOKEN" },
    local: { path: "./x" },
  },
  registries: { "127.0.0.1:5001": { usernameEnv: "REG_USER", passwordEnv: "REG_PASSWORD" } },
  targets: {
    worker: {
      source: "repo",
      image: "127.0.0.1:5001/test/worker",
      buildArgs: { COMFYUI_VERSION: "v0.11.0" },
      secrets: { gh: "GH_TOKEN" },
      schedule: true,
      refs: ["refs/heads/main"],
    },
    tiny: { source: "local", image: "127.0.0.1:5001/test/tiny" },
  },
});

const JOB_SETTINGS: JobSettings = {
  concurrency: 2,
  queueMax: 50,
  buildTimeoutMs: 60_000,
  queueTtlMs: 600_000,
  maxAttempts: 2,
  leaseMs: 1500,
  pollMs: 50,
  queueFullRetryAfter: 30,
  shutdownRetryAfter: 5,
  uploadRetentionMs: 24 * 3600_000,
  sweepMs: 60_000,
};

/** The line the service logs when this replica claims a build (run-build.ts). */
export const claimedLine = (attempt: number) => `attempt ${attempt} of 2 claimed by replica http-test`;

export interface TestApp {
  app: ReturnType<typeof createApp>;
  service: BuildService;
  executor: HeldExecutor;
  store: FileBuildStore;
  logs: Record<string, unknown>[];
  ready: ReadyCheck[];
  shutdown: { on: boolean };
  dataDir: string;
  /** Starts the job loop: queued builds are claimed and held running by the executor. */
  start(): void;
  /** Starts the job loop and resolves once the service runs the build here. */
  run(id: string): Promise<void>;
  /**
   * Ends a build as its buildx run would: a running one through the executor; a queued one
   * is claimed first (the real service decides what running means for the record).
   */
  end(id: string, outcome: "succeeded" | "failed"): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createTestApp(overrides: Partial<AppDeps["settings"]> = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "http-unit-"));
  const store = new FileBuildStore(dataDir);
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "debug",
    write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
  });
  const executor = new HeldExecutor();
  const service = new BuildService({
    store,
    config: TEST_CONFIG,
    dataDir,
    executor,
    settings: JOB_SETTINGS,
    resolveRef: () => Promise.resolve(RESOLVED_COMMIT),
    owner: "http-test",
    logger,
  });
  const ready: ReadyCheck[] = [{ name: "buildx", ok: true }];
  const shutdown = { on: false };
  const app = createApp({
    service,
    store,
    config: TEST_CONFIG,
    settings: {
      apiToken: API_TOKEN,
      readToken: READ_TOKEN,
      webhookSecret: WEBHOOK_SECRET,
      maxUploadBytes: 1024 * 1024,
      heartbeatMs: 50,
      shutdownRetryAfterSeconds: 7,
      ...overrides,
    },
    ingestUpload: () =>
      Promise.reject(new Error("uploads are tested against the real ingester in integration")),
    readiness: () => Promise.resolve(ready.map((r) => ({ ...r }))),
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    isShuttingDown: () => shutdown.on,
    version: "9.9.9",
  });
  return {
    app,
    service,
    executor,
    store,
    logs,
    ready,
    shutdown,
    dataDir,
    start: () => service.start(),
    run: async (id) => {
      service.start();
      await executor.started(id);
      // The claim's log line is out before the test writes its own, so the order is fixed.
      await waitFor(async () => (await store.readLog(id)).some((l) => l.line === claimedLine(1)), {
        what: `the claim of build ${id} in its log`,
      });
    },
    end: async (id, outcome) => {
      service.start();
      await executor.end(id, outcome);
    },
    cleanup: async () => {
      // Builds still held are interrupted and settled before their files go.
      await service.drain(0);
      await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const api = { authorization: `Bearer ${API_TOKEN}` };
export const read = { authorization: `Bearer ${READ_TOKEN}` };
export const json = { "content-type": "application/json" };
