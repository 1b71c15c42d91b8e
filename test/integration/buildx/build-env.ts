// Shared set-up for the buildx and cache integration tests: the real docker CLI, a
// per-test temp dir, small busybox-based Dockerfiles, and collected output lines so
// tests can grep them for secrets.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { BuildxSpec } from "../../../builder/src/buildx/argv.js";
import { createDockerConfig, type DockerConfigDir } from "../../../builder/src/buildx/docker-config.js";
import { resolveBuildxCapabilities, type BuildxCapabilities } from "../../../builder/src/buildx/version.js";
import { BUSYBOX, stack } from "../../helpers/stack-env.js";

export const DOCKER = "/usr/bin/docker";

export function nonce(): string {
  return randomBytes(6).toString("hex");
}

export class BuildEnv {
  readonly lines: string[] = [];
  readonly argvs: string[][] = [];
  private readonly configs: DockerConfigDir[] = [];
  private constructor(
    readonly dir: string,
    readonly caps: BuildxCapabilities,
  ) {}

  static async create(): Promise<BuildEnv> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "comfyume-buildx-it-"));
    const caps = await resolveBuildxCapabilities({ docker: DOCKER, env: process.env });
    return new BuildEnv(dir, caps);
  }

  /** Writes a build context with this Dockerfile body (after a FROM of the stand-in busybox). */
  async context(
    name: string,
    body: string,
    from = BUSYBOX(),
  ): Promise<{ contextDir: string; dockerfile: string }> {
    const contextDir = path.join(this.dir, name);
    await mkdir(contextDir, { recursive: true });
    const dockerfile = path.join(contextDir, "Dockerfile");
    await writeFile(dockerfile, `FROM ${from}\n${body}\n`);
    return { contextDir, dockerfile };
  }

  async dockerConfig(password = stack().password): Promise<DockerConfigDir> {
    const s = stack();
    const cfg = await createDockerConfig({
      registries: [{ host: s.registry, username: s.user, password }],
      baseDir: this.dir,
    });
    this.configs.push(cfg);
    return cfg;
  }

  /** A spec with defaults for a small build; `name` keeps metadata files apart. */
  spec(
    name: string,
    ctx: { contextDir: string; dockerfile: string },
    over: Partial<BuildxSpec> = {},
  ): BuildxSpec {
    return {
      ...ctx,
      tags: [],
      platforms: ["linux/amd64"],
      buildArgs: {},
      buildContexts: {},
      secrets: [],
      metadataFile: path.join(this.dir, `${name}-${nonce()}.metadata.json`),
      noCache: false,
      push: false,
      output: { type: "cacheonly" },
      progress: "plain",
      ...over,
    };
  }

  env(cfg?: DockerConfigDir, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, ...(cfg && { DOCKER_CONFIG: cfg.dir }), ...extra };
  }

  onLine = (_stream: string, line: string): void => {
    this.lines.push(line);
  };

  async cleanup(): Promise<void> {
    for (const cfg of this.configs) await cfg.cleanup();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A unique repository in the authenticated registry, so parallel engineers never collide. */
export function testRepo(what: string): string {
  return `${stack().registry}/buildx-it/${what}-${nonce()}`;
}
