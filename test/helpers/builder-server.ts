// Starts a real builder for tests: a temp config of small busybox targets (a path source
// written here) pushing to the stack's authenticated registry, temp data and cache dirs,
// and the server on port 0, either in this process (startBuilder) or as a real
// `comfyume-builder serve` child process (spawnBuilder) that a test can SIGTERM or kill -9.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { loadConfig } from "../../builder/src/config/env.js";
import type { StreamLimits } from "../../builder/src/http/event-stream.js";
import { startServer, type BuilderServer } from "../../builder/src/server.js";
import { BUSYBOX, stack } from "./stack-env.js";
import { deferred } from "./wait-for.js";

export const API_TOKEN = "test-api-token-0123456789";
export const READ_TOKEN = "test-read-token-0123456789";
export const WEBHOOK_SECRET = "test-webhook-secret-0123456789";

/**
 * Dockerfiles of the test targets. `slow` prints LINES lines DELAY seconds apart so a
 * test can watch a running build; NONCE busts the cache so it really runs each time.
 */
function dockerfiles(): Record<string, string> {
  const from = `FROM ${BUSYBOX()}`;
  return {
    quick: `${from}\nARG NONCE=0\nRUN echo "quick build $NONCE"\n`,
    slow: `${from}\nARG NONCE=0\nARG LINES=10\nARG DELAY=0.2\nRUN i=1; while [ $i -le $LINES ]; do echo "slow line $i of $LINES ($NONCE)"; sleep $DELAY; i=$((i+1)); done\n`,
    fail: `${from}\nRUN echo "about to fail" && exit 3\n`,
  };
}

export interface BuilderFixture {
  root: string;
  dataDir: string;
  cacheDir: string;
  configFile: string;
  /** The environment of a builder on this fixture (tokens, dirs, stack, port 0). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface FixtureOptions {
  /** Share a data dir between replicas. */
  dataDir?: string;
  /** Registry repository prefix (default: unique per fixture). */
  repo?: string;
  /** A git repository (file:// URL) with app/Dockerfile: adds source "repo" and target "hooked". */
  gitUrl?: string;
}

export async function createBuilderFixture(opts: FixtureOptions = {}): Promise<BuilderFixture> {
  const s = stack();
  const root = await mkdtemp(path.join(os.tmpdir(), "builder-http-"));
  const src = path.join(root, "src");
  const targets: Record<string, unknown> = {};
  const repo =
    opts.repo ??
    `http-test-${path
      .basename(root)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")}`;
  for (const [name, text] of Object.entries(dockerfiles())) {
    await mkdir(path.join(src, name), { recursive: true });
    await writeFile(path.join(src, name, "Dockerfile"), text);
    targets[name] = {
      source: "local",
      context: name,
      dockerfile: `${name}/Dockerfile`,
      image: `${s.registry}/${repo}/${name}`,
      tags: ["{target}"],
      platforms: ["linux/amd64"],
      watch: [`${name}/**`],
      schedule: name === "quick",
    };
  }
  // Uploaded contexts carry their own Dockerfile at the root.
  targets.upload = {
    source: "local",
    context: ".",
    dockerfile: "Dockerfile",
    image: `${s.registry}/${repo}/upload`,
    tags: ["{target}"],
  };
  const sources: Record<string, unknown> = { local: { path: "./src" } };
  if (opts.gitUrl) {
    sources.repo = { git: opts.gitUrl, defaultRef: "main" };
    targets.hooked = {
      source: "repo",
      context: "app",
      dockerfile: "app/Dockerfile",
      image: `${s.registry}/${repo}/hooked`,
      tags: ["{target}", "sha-{shortSha}"],
      watch: ["app/**"],
      schedule: true,
    };
  }
  const config = {
    sources,
    registries: {
      [s.registry]: { usernameEnv: "COMFYUME_REGISTRY_USER", passwordEnv: "COMFYUME_REGISTRY_PASSWORD" },
    },
    targets,
  };
  const configFile = path.join(root, "builder.config.json");
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const dataDir = opts.dataDir ?? path.join(root, "data");
  const cacheDir = path.join(root, "cache");
  const env: Record<string, string> = {
    BUILDER_HOST: "127.0.0.1",
    BUILDER_PORT: "0",
    BUILDER_CONFIG: configFile,
    BUILDER_DATA_DIR: dataDir,
    BUILDER_CACHE_DIR: cacheDir,
    BUILDER_API_TOKEN: API_TOKEN,
    BUILDER_READ_TOKEN: READ_TOKEN,
    BUILDER_WEBHOOK_SECRET: WEBHOOK_SECRET,
    BUILDER_DOCKER: "/usr/bin/docker",
    BUILDER_MIN_FREE_BYTES: "100MiB",
    BUILDER_MIN_FREE_PERCENT: "1",
    BUILDER_LEASE_SECONDS: "3",
    BUILDER_DRAIN_SECONDS: "30",
    DOCKER_HOST: s.dockerHost,
    COMFYUME_REGISTRY_USER: s.user,
    COMFYUME_REGISTRY_PASSWORD: s.password,
  };
  return {
    root,
    dataDir,
    cacheDir,
    configFile,
    env,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export interface TestBuilder {
  url: string;
  /** Headers carrying the API token / the read token. */
  api: Record<string, string>;
  read: Record<string, string>;
  stop(): Promise<void>;
}

export interface InProcessBuilder extends TestBuilder {
  server: BuilderServer;
  logs: Record<string, unknown>[];
}

const apiHeaders = { authorization: `Bearer ${API_TOKEN}` };
const readHeaders = { authorization: `Bearer ${READ_TOKEN}` };

/** A builder in this process on port 0 (no signal handlers; stop() drains and closes). */
export async function startBuilder(
  fixture: BuilderFixture,
  opts: {
    env?: Record<string, string | undefined>;
    heartbeatMs?: number;
    streamLimits?: Partial<StreamLimits>;
  } = {},
): Promise<InProcessBuilder> {
  const processEnv = { ...process.env, ...fixture.env, ...opts.env };
  const logs: Record<string, unknown>[] = [];
  const server = await startServer({
    env: loadConfig(processEnv),
    processEnv,
    handleSignals: false,
    heartbeatMs: opts.heartbeatMs ?? 200,
    jobSettings: { pollMs: 200 },
    ...(opts.streamLimits ? { streamLimits: opts.streamLimits } : {}),
    write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
  });
  return {
    url: server.url,
    api: apiHeaders,
    read: readHeaders,
    server,
    logs,
    stop: () => server.shutdown("test finished"),
  };
}

export interface SpawnedBuilder extends TestBuilder {
  child: ChildProcess;
  /** JSON log lines the process printed so far. */
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const MAIN = path.resolve("builder/src/main.ts");

/** A real `comfyume-builder serve` process (node --import tsx), resolved once it listens. */
export async function spawnBuilder(
  fixture: BuilderFixture,
  /** nodeArgs: flags for node itself (a bench's --cpu-prof, which NODE_OPTIONS refuses). */
  opts: { env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<SpawnedBuilder> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", MAIN, "serve"], {
    env: { ...process.env, ...fixture.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const ready = deferred<string>();
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // Not a service log line (a stray print); kept out of `logs`, which are JSON only.
      return;
    }
    logs.push(entry);
    if (entry.msg === "builder ready") ready.resolve(String(entry.url));
  });
  createInterface({ input: child.stderr! }).on("line", (line) => {
    stderr.push(line);
    // For a bench or test being debugged: the builder's own stderr (a crash's stack).
    if (process.env.BUILDER_TEST_STDERR === "1") process.stderr.write(`builder: ${line}\n`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  void exited.then(({ code, signal }) =>
    ready.reject(
      new Error(`builder exited (${code ?? signal}) before it was ready: ${stderr.slice(-10).join("\n")}`),
    ),
  );
  const url = await ready.promise;
  return {
    url,
    api: apiHeaders,
    read: readHeaders,
    child,
    logs,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
