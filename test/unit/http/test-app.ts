// Builds a createApp() instance for HTTP tests: a real FileBuildStore in a temp dir, the
// in-memory service above, captured JSON logs, a fresh metrics registry.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { builderConfigSchema, type BuilderConfig } from "../../../builder/src/config/builder-config.js";
import { createApp } from "../../../builder/src/http/app.js";
import type { AppDeps, ReadyCheck } from "../../../builder/src/http/deps.js";
import { createLogger } from "../../../builder/src/logging/logger.js";
import { createMetrics } from "../../../builder/src/http/metrics.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import { MemoryService } from "./memory-service.js";

export const API_TOKEN = "api-token-0123456789abcdef";
export const READ_TOKEN = "read-token-0123456789abcdef";
export const WEBHOOK_SECRET = "webhook-secret-0123456789";

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
    },
    tiny: { source: "local", image: "127.0.0.1:5001/test/tiny" },
  },
});

export interface TestApp {
  app: ReturnType<typeof createApp>;
  service: MemoryService;
  store: FileBuildStore;
  logs: Record<string, unknown>[];
  ready: ReadyCheck[];
  shutdown: { on: boolean };
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function createTestApp(overrides: Partial<AppDeps["settings"]> = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "http-unit-"));
  const store = new FileBuildStore(dataDir);
  const service = new MemoryService(store, Object.keys(TEST_CONFIG.targets));
  const logs: Record<string, unknown>[] = [];
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
    logger: createLogger({
      level: "debug",
      write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    }),
    metrics: createMetrics({ defaultMetrics: false }),
    isShuttingDown: () => shutdown.on,
    version: "9.9.9",
  });
  return {
    app,
    service,
    store,
    logs,
    ready,
    shutdown,
    dataDir,
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

export const api = { authorization: `Bearer ${API_TOKEN}` };
export const read = { authorization: `Bearer ${READ_TOKEN}` };
export const json = { "content-type": "application/json" };
