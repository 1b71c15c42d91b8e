// deploy/verda against the provider it pins: every resource type, attribute, nested block,
// required field and allowed value is checked against the schema derived from the provider's
// Go source at that tag (test/fixtures/verda-provider/, scripts/derive-verda-schema.ts), and
// the values that matter agree with the builder and with verda-cli's rules.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../builder/src/config/env.js";
import {
  checkModule,
  documentedValues,
  parseModule,
  type Module,
  type ProviderSchema,
} from "./tofu-schema.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const DIR = path.join(ROOT, "deploy/verda");
const schema = JSON.parse(
  readFileSync(path.join(ROOT, "test/fixtures/verda-provider/schema-v1.1.1.json"), "utf8"),
) as ProviderSchema;
type Json = Record<string, unknown>;
type EnvEntry = { type: string; name: string; value_or_reference_to_secret: string };

let mod: Module;
beforeAll(async () => {
  mod = await parseModule(DIR);
});

const container = () => (mod.resources.verda_container!.builder!.containers as Json[])[0]!;
const envLists = () =>
  ["plain_env", "secret_env", "r2_env_entries"].flatMap((n) => mod.locals[n] as EnvEntry[]);

describe("deploy/verda against the provider schema", () => {
  it("pins exactly the provider release the schema was derived from, and locks it", () => {
    expect(schema).toMatchObject({
      tag: "v1.1.1",
      version: "1.1.1",
      commit: "149fc85a165608d61034f8fca5064a370ad6f5aa",
    });
    const required = (mod.terraform[0]!.required_providers as Json[])[0]!.verda as Json;
    expect(required).toEqual({ source: "verda-cloud/verda", version: schema.version });
    const lock = readFileSync(path.join(DIR, ".terraform.lock.hcl"), "utf8");
    expect(lock).toContain(`provider "${schema.provider}" {\n  version     = "${schema.version}"`);
  });

  it("uses only resources and attributes that release has, with every required one and allowed values", () => {
    expect(checkModule(mod, schema)).toEqual([]);
    expect(Object.keys(mod.resources).sort()).toEqual([
      "verda_container",
      "verda_container_registry_credentials",
      "verda_serverless_job",
    ]);
  });

  it("the check catches what the first deploy got wrong", async () => {
    const broken: Module = structuredClone(mod);
    broken.resources.verda_secret = { x: { name: "a", value: "b" } };
    const c = (broken.resources.verda_container!.builder!.containers as Json[])[0]!;
    c.volume_mounts = [
      { type: "scratch", mount_path: "/var/lib/buildkit", size_in_mb: 51200, volume_id: "v" },
    ];
    c.env = [{ type: "secret-ref", name: "A" }];
    (broken.resources.verda_container!.builder!.scaling as Json).deadline = 1;
    delete (broken.resources.verda_container!.builder!.scaling as Json).scale_up_policy;
    expect(checkModule(broken, schema)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^verda_secret: not a resource of .* v1\.1\.1/),
        "verda_container.builder.containers[0].volume_mounts[0].volume_id: not allowed for 'scratch' volumes",
        'verda_container.builder.containers[0].env[0].type: "secret-ref" is not one of plain, secret',
        "verda_container.builder.containers[0].env[0].value_or_reference_to_secret: required by the provider, missing",
        expect.stringMatching(
          /^verda_container\.builder\.scaling\.deadline: not an attribute of the provider/,
        ),
        "verda_container.builder.scaling.scale_up_policy: required by the provider, missing",
      ]),
    );
  });

  it("sets attributes the provider reads back from another one to that one (no endless diff)", () => {
    for (const [type, res] of Object.entries(schema.resources)) {
      for (const [attr, from] of Object.entries(res.readBack ?? {})) {
        for (const block of Object.values(mod.resources[type] ?? {})) {
          const scaling = block.scaling as Json;
          expect(attr in scaling, `${type}.scaling.${attr}`).toBe(true);
          expect(scaling[attr], `${type}.scaling.${attr} must equal ${from}`).toBe(scaling[from]);
        }
      }
    }
  });

  it("says how to change a deployment the provider cannot update in place", () => {
    expect(schema.resources.verda_container!.updateSupported).toBe(false);
    const docs = readFileSync(path.join(ROOT, "docs/deploy.md"), "utf8");
    expect(docs).toContain("tofu apply -replace=verda_container.builder");
  });
});

describe("deploy/verda values", () => {
  it("exposes the builder's port and checks /healthz on it", () => {
    expect(mod.locals.port).toBe(loadConfig({}).BUILDER_PORT);
    expect(container().exposed_port).toBe("${local.port}");
    expect(container().healthcheck).toEqual({
      enabled: "true",
      port: "${tostring(local.port)}",
      path: "${local.health_path}",
    });
    expect(mod.locals.health_path).toBe("/healthz");
  });

  it("mounts only the SFS: no scratch mount, no sized mount", () => {
    expect(container().volume_mounts).toBe("${local.volume_mounts}");
    expect(mod.locals.volume_mounts).toEqual([
      { type: "shared", mount_path: "${local.sfs_mount}", volume_id: "${var.sfs_volume_id}" },
    ]);
    expect(mod.locals.sfs_mount).toBe("/mnt/sfs");
  });

  it("names env vars as verda-cli accepts them, and passes every credential as a secret", () => {
    const entries = envLists();
    for (const e of entries) expect(e.name, e.name).toMatch(/^[A-Z_][A-Z0-9_]*$/);
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const name of [
      "BUILDER_API_TOKEN",
      "BUILDER_READ_TOKEN",
      "BUILDER_WEBHOOK_SECRET",
      "GHCR_TOKEN",
      "GH_TOKEN",
      "R2_ACCESS_KEY_ID",
      "R2_SECRET_ACCESS_KEY",
      "BUILDER_BUILDKIT_TLS_CA",
      "BUILDER_BUILDKIT_TLS_CERT",
      "BUILDER_BUILDKIT_TLS_KEY",
    ]) {
      expect(byName.get(name)?.type, name).toBe("secret");
      expect(byName.get(name)?.value_or_reference_to_secret, name).toMatch(
        /^\$\{var\.(secret_names|buildkit_tls_secrets)\.[a-z_0-9]+\}$/,
      );
    }
    expect(
      documentedValues(
        schema.resources.verda_container!.attributes.containers!.attributes!.env!.attributes!.type!
          .description,
      ),
    ).toEqual(["plain", "secret"]);
    expect(new Set(entries.map((e) => e.name)).size).toBe(entries.length);
  });

  it("plain values the builder reads are valid for its env schema, BuildKit is the remote one", () => {
    const plain = Object.fromEntries(
      envLists()
        .filter((e) => e.type === "plain" && !e.value_or_reference_to_secret.includes("${"))
        .map((e) => [e.name, e.value_or_reference_to_secret]),
    );
    expect(() => loadConfig(plain)).not.toThrow();
    expect(plain.BUILDER_BUILDKIT_MODE).toBe("remote");
    expect(plain.BUILDER_DATA_DIR ?? "${local.sfs_mount}/cache/builder/data").toContain(
      "/cache/builder/data",
    );
  });

  it("scales 0..max, with several requests per replica so a build's own request does not lock out the rest", () => {
    const scaling = mod.resources.verda_container!.builder!.scaling as Json;
    expect(scaling).toMatchObject({
      min_replica_count: 0,
      max_replica_count: "${var.max_replicas}",
      concurrent_requests_per_replica: "${var.requests_per_replica}",
    });
    expect(mod.variables.requests_per_replica!.default).toBe(16);
    expect(mod.variables.max_replicas!.default).toBe(1);
    expect(mod.variables.compute_name!.default).toBe("CPUNode");
  });

  it("pulls the private image with GHCR registry credentials", () => {
    expect(mod.resources.verda_container_registry_credentials!.ghcr!.type).toBe("ghcr");
    expect(mod.resources.verda_container!.builder!.container_registry_settings).toEqual({
      is_private: "true",
      credentials: "${verda_container_registry_credentials.ghcr.name}",
    });
  });

  it("has a job variant that runs `comfyume-builder run` with the same env and mounts", () => {
    const job = mod.resources.verda_serverless_job!.builder_run!;
    const c = (job.containers as Json[])[0]!;
    expect((c.entrypoint_overrides as Json).cmd).toEqual([
      "comfyume-builder",
      "run",
      "${var.job_target}",
      "--json",
    ]);
    expect(c.env).toBe("${local.env}");
    expect(c.volume_mounts).toBe("${local.volume_mounts}");
  });
});
