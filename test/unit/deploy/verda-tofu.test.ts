// The OpenTofu for Verda parses, and the values that matter agree with the builder:
// port and health path, SFS mounts and dirs, secrets as secret env vars, scaling.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../builder/src/config/env.js";

const DIR = path.resolve(import.meta.dirname, "../../../deploy/verda");
type Json = Record<string, unknown>;

interface Tofu {
  locals: Json;
  variables: Record<string, Json>;
  resources: Record<string, Record<string, Json>>;
}

async function parseTofu(): Promise<Tofu> {
  const tofu: Tofu = { locals: {}, variables: {}, resources: {} };
  for (const file of readdirSync(DIR).filter((f) => f.endsWith(".tf"))) {
    const doc = (await parse(file, readFileSync(path.join(DIR, file), "utf8"))) as Json;
    for (const block of (doc.locals as Json[] | undefined) ?? []) Object.assign(tofu.locals, block);
    for (const [name, blocks] of Object.entries((doc.variable as Record<string, Json[]>) ?? {})) {
      tofu.variables[name] = blocks[0]!;
    }
    for (const [type, byName] of Object.entries(
      (doc.resource as Record<string, Record<string, Json[]>>) ?? {},
    )) {
      for (const [name, blocks] of Object.entries(byName)) {
        (tofu.resources[type] ??= {})[name] = blocks[0]!;
      }
    }
  }
  return tofu;
}

let tofu: Tofu;
beforeAll(async () => {
  tofu = await parseTofu();
});

const container = () => (tofu.resources.verda_container!.builder!.containers as Json[])[0]!;
const plainEnv = () => tofu.locals.plain_env as Record<string, string>;
const secretEnv = () => tofu.locals.secret_env as Record<string, string>;
const resolveLocal = (value: unknown) =>
  typeof value === "string" ? value.replace(/\$\{local\.sfs_mount\}/g, String(tofu.locals.sfs_mount)) : value;

describe("deploy/verda", () => {
  it("exposes the builder's port and checks /healthz on it", () => {
    const defaultPort = loadConfig({}).BUILDER_PORT;
    expect(tofu.locals.port).toBe(defaultPort);
    expect(container().exposed_port).toBe("${local.port}");
    expect(plainEnv().BUILDER_PORT).toBe("${tostring(local.port)}");
    expect(container().healthcheck).toEqual({
      enabled: "true",
      port: "${tostring(local.port)}",
      path: "${local.health_path}",
    });
    expect(tofu.locals.health_path).toBe("/healthz");
  });

  it("mounts the SFS at /mnt/sfs and keeps data and cache under /mnt/sfs/cache/", () => {
    expect(tofu.locals.sfs_mount).toBe("/mnt/sfs");
    expect(container().volume_mounts).toBe("${local.volume_mounts}");
    expect(tofu.locals.volume_mounts).toEqual(
      expect.arrayContaining([
        { type: "shared", mount_path: "${local.sfs_mount}", volume_id: "${var.sfs_volume_id}" },
      ]),
    );
    expect(resolveLocal(plainEnv().BUILDER_DATA_DIR)).toMatch(/^\/mnt\/sfs\/cache\//);
    expect(resolveLocal(plainEnv().BUILDER_CACHE_DIR)).toMatch(/^\/mnt\/sfs\/cache\//);
  });

  it("passes every token and credential as a secret env var, never as plain", () => {
    const secrets = [
      "BUILDER_API_TOKEN",
      "BUILDER_READ_TOKEN",
      "BUILDER_WEBHOOK_SECRET",
      "GHCR_TOKEN",
      "GH_TOKEN",
      "R2_ACCESS_KEY_ID",
      "R2_SECRET_ACCESS_KEY",
      "BUILDER_BUILDKIT_TLS_KEY",
    ];
    for (const name of secrets) {
      expect(secretEnv()[name], name).toMatch(/^\$\{verda_secret\.builder\[".+"\]\.name\}$/);
      expect(plainEnv()[name], name).toBeUndefined();
    }
    expect(tofu.locals.env).toContain('type = "secret"');
    for (const name of [
      "ghcr_token",
      "gh_token",
      "builder_api_token",
      "builder_read_token",
      "builder_webhook_secret",
    ]) {
      expect(tofu.variables[name]!.sensitive, name).toBe(true);
    }
  });

  it("plain env values the builder reads are valid for its env schema", () => {
    const literal = Object.fromEntries(Object.entries(plainEnv()).filter(([, v]) => !v.includes("${")));
    expect(() => loadConfig(literal)).not.toThrow();
  });

  it("scales 0..1 with one request per replica and a deadline long enough for a worker build", () => {
    const scaling = tofu.resources.verda_container!.builder!.scaling as Json;
    expect(scaling.min_replica_count).toBe(0);
    expect(scaling.max_replica_count).toBe("${var.max_replicas}");
    expect(tofu.variables.max_replicas!.default).toBe(1);
    expect(scaling.concurrent_requests_per_replica).toBe(1);
    expect(scaling.deadline_seconds).toBe("${var.build_deadline_seconds}");
    expect(tofu.variables.build_deadline_seconds!.default).toBeGreaterThanOrEqual(3600);
  });

  it("pulls the private image with GHCR registry credentials", () => {
    expect(tofu.resources.verda_container_registry_credentials!.ghcr!.type).toBe("ghcr");
    expect(tofu.resources.verda_container!.builder!.container_registry_settings).toEqual({
      is_private: "true",
      credentials: "${verda_container_registry_credentials.ghcr.name}",
    });
  });

  it("has a job variant that runs `comfyume-builder run`", () => {
    const job = (tofu.resources.verda_serverless_job!.builder_run!.containers as Json[])[0]!;
    expect((job.entrypoint_overrides as Json).cmd).toEqual([
      "comfyume-builder",
      "run",
      "${var.job_target}",
      "--json",
    ]);
    expect(job.env).toBe("${local.env}");
  });
});
