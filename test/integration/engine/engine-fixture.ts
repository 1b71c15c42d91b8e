// A throwaway project for `comfyume-builder run` tests: a config with small busybox-based
// targets that push to the stack's authenticated registry, a data dir and a cache dir.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildRecordSchema, type BuildRecord } from "../../../common/build-record.js";
import { runBuilderCli, type CliResult } from "../../helpers/builder-cli.js";
import { BUSYBOX, stack } from "../../helpers/stack-env.js";

export const BUILD_SECRET = `s3cr3t-${randomBytes(8).toString("hex")}`;

export interface EngineFixture {
  root: string;
  dataDir: string;
  cacheDir: string;
  marker: string;
  env: NodeJS.ProcessEnv;
  /** Writes <name>/Dockerfile (after a FROM of the stand-in busybox) and an optional smoke file. */
  target(name: string, body: string, extra?: Record<string, unknown>, smoke?: string): Promise<void>;
  /** Adds a registry (host) with the stack registry's credentials to the config. */
  registry(host: string): Promise<void>;
  /** Adds a source to the config. */
  source(name: string, source: Record<string, unknown>): Promise<void>;
  run(args: string[], env?: Record<string, string>): Promise<CliResult & { record?: BuildRecord }>;
  /** Every file under the data dir, concatenated (records and logs). */
  dataText(): Promise<string>;
  cleanup(): Promise<void>;
}

async function readTree(dir: string): Promise<string> {
  let out = "";
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out += await readFile(path.join(entry.parentPath, entry.name), "utf8");
  }
  return out;
}

export async function createEngineFixture(): Promise<EngineFixture> {
  const s = stack();
  const root = await mkdtemp(path.join(os.tmpdir(), "engine-it-"));
  const marker = randomBytes(6).toString("hex");
  const targets: Record<string, unknown> = {};
  const config = {
    sources: { local: { path: "./src" } } as Record<string, unknown>,
    registries: {
      [s.registry]: { usernameEnv: "COMFYUME_REGISTRY_USER", passwordEnv: "COMFYUME_REGISTRY_PASSWORD" },
    },
    targets,
  };
  const writeConfig = () =>
    writeFile(path.join(root, "builder.config.json"), JSON.stringify(config, null, 2));
  await writeConfig();
  const dataDir = path.join(root, "data");
  const cacheDir = path.join(root, "cache");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BUILDER_CONFIG: path.join(root, "builder.config.json"),
    BUILDER_DATA_DIR: dataDir,
    BUILDER_CACHE_DIR: cacheDir,
    BUILDER_DOCKER: "/usr/bin/docker",
    BUILDER_MIN_FREE_BYTES: "100MiB",
    BUILDER_MIN_FREE_PERCENT: "1",
    BUILDER_LEASE_SECONDS: "3",
    COMFYUME_REGISTRY_USER: s.user,
    COMFYUME_REGISTRY_PASSWORD: s.password,
    ENGINE_BUILD_SECRET: BUILD_SECRET,
  };
  return {
    root,
    dataDir,
    cacheDir,
    marker,
    env,
    async target(name, body, extra = {}, smoke) {
      const dir = path.join(root, "src", name);
      await mkdir(dir, { recursive: true });
      await writeFile(
        path.join(dir, "Dockerfile"),
        `FROM ${BUSYBOX()}\nRUN echo ${marker}-${name} > /marker\n${body}\n`,
      );
      if (smoke) await writeFile(path.join(dir, "smoke.yaml"), smoke);
      targets[name] = {
        source: "local",
        context: name,
        dockerfile: `${name}/Dockerfile`,
        image: `${s.registry}/engine-${marker}/${name}`,
        tags: ["{target}", "{date}"],
        ...(smoke ? { smoke: `${name}/smoke.yaml` } : {}),
        ...extra,
      };
      await writeConfig();
    },
    async registry(host) {
      config.registries[host] = {
        usernameEnv: "COMFYUME_REGISTRY_USER",
        passwordEnv: "COMFYUME_REGISTRY_PASSWORD",
      };
      await writeConfig();
    },
    async source(name, source) {
      config.sources[name] = source;
      await writeConfig();
    },
    async run(args, extraEnv = {}) {
      const result = await runBuilderCli(["run", ...args, "--json"], { env: { ...env, ...extraEnv } });
      const json = result.stdout.trim();
      const record = json.startsWith("{") ? buildRecordSchema.parse(JSON.parse(json)) : undefined;
      return { ...result, ...(record ? { record } : {}) };
    },
    dataText: () => readTree(dataDir),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
