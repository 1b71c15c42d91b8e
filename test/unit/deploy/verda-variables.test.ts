// deploy/verda's input validations, run by the real terraform binary (no provider needed:
// a module of just variables.tf plans offline), and `terraform fmt -check` on the module.
// A deploy without what it needs (remote BuildKit TLS, a valid compute name...) must fail
// at plan with a message, never become a replica that crash-loops where nobody sees it.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const TERRAFORM = "/usr/local/bin/terraform";
const hasTerraform = existsSync(TERRAFORM);
const dir = mkdtempSync(path.join(tmpdir(), "verda-vars-"));
const env = { ...process.env, TF_CLI_CONFIG_FILE: path.join(dir, "terraformrc"), TF_IN_AUTOMATION: "1" };

/** Why a check cannot run on this machine: said, not silently passed as if it had run. */
function noTerraform(what: string): boolean {
  if (hasTerraform) return false;
  console.warn(`${what}: ${TERRAFORM} is not installed on this machine, so this check did not run`);
  return true;
}

beforeAll(async () => {
  writeFileSync(env.TF_CLI_CONFIG_FILE, "");
  copyFileSync(path.join(ROOT, "deploy/verda/variables.tf"), path.join(dir, "variables.tf"));
  if (hasTerraform) {
    const init = await run([TERRAFORM, "init", "-input=false", "-backend=false", "-no-color"], {
      cwd: dir,
      env,
    });
    if (init.exitCode !== 0) throw new Error(`terraform init failed: ${init.stderr.join("\n")}`);
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALID: Record<string, string> = {
  sfs_volume_id: "9b2c1f6e-0000-4000-8000-000000000001",
  ghcr_token: "ghp_example",
  buildkit_endpoint: "tcp://203.0.113.5:1234",
  buildkit_tls_secrets:
    '{ca="comfyume-builder-buildkit-tls-ca",cert="comfyume-builder-buildkit-tls-cert",key="comfyume-builder-buildkit-tls-key"}',
};

async function plan(vars: Record<string, string | undefined>, extra: string[] = []) {
  const merged = { ...VALID, ...vars };
  const args = Object.entries(merged)
    .filter(([, v]) => v !== undefined)
    .flatMap(([k, v]) => ["-var", `${k}=${v}`]);
  const r = await run([TERRAFORM, "plan", "-input=false", "-no-color", "-lock=false", ...args, ...extra], {
    cwd: dir,
    env,
    keepLines: 400,
  });
  return { code: r.exitCode, out: [...r.stdout, ...r.stderr].join("\n").replace(/\s+/g, " ") };
}

describe("deploy/verda variables, validated by terraform plan", () => {
  it("accepts a complete configuration and the example tfvars", async () => {
    if (noTerraform("terraform plan")) return;
    expect((await plan({})).code).toBe(0);
    const example = path.join(ROOT, "deploy/verda/terraform.tfvars.example");
    const r = await plan(
      { ...Object.fromEntries(Object.keys(VALID).map((k) => [k, undefined])), ghcr_token: "ghp_x" },
      [`-var-file=${example}`],
    );
    expect(r.out).not.toContain("Error");
    expect(r.code).toBe(0);
  }, 60_000);

  it.each([
    [
      "remote BuildKit without TLS secrets",
      { buildkit_tls_secrets: undefined },
      "buildkit_tls_secrets must name the three Verda secrets",
    ],
    [
      "a TLS secret name left empty",
      { buildkit_tls_secrets: '{ca="a",cert="",key="c"}' },
      "buildkit_tls_secrets must name the three Verda secrets",
    ],
    ["no BuildKit endpoint", { buildkit_endpoint: "" }, "buildkit_endpoint must be tcp://host:port"],
    [
      "an endpoint that is not tcp://",
      { buildkit_endpoint: "https://203.0.113.5:1234" },
      "buildkit_endpoint must be tcp://host:port",
    ],
    [
      "an instance type as compute",
      { compute_name: "CPU.8V.32G" },
      "instance types such as CPU.8V.32G are not valid here",
    ],
    ["a fractional compute size", { compute_size: "1.5" }, "compute_size must be a whole number >= 1"],
    [
      "an upper-case deployment name",
      { deployment_name: "Comfyume-Builder" },
      "deployment_name must be lowercase letters",
    ],
    ["a 64-character deployment name", { deployment_name: "a".repeat(64) }, "at most 63 characters"],
    [
      "an image on :latest",
      { image: "ghcr.io/ahelme/comfyume-builder:latest" },
      "image must name a specific tag or digest",
    ],
    [
      "an untagged image",
      { image: "ghcr.io/ahelme/comfyume-builder" },
      "image must name a specific tag or digest",
    ],
    ["no GHCR token", { ghcr_token: "" }, "ghcr_token must be set"],
    [
      "a request TTL shorter than a cold start",
      { request_ttl_seconds: "60" },
      "request_ttl_seconds must be at least 600",
    ],
  ])(
    "fails at plan with %s",
    async (_what, vars, message) => {
      if (noTerraform("terraform plan")) return;
      const r = await plan(vars);
      expect(r.code).toBe(1);
      expect(r.out).toContain("Invalid value for variable");
      expect(r.out).toContain(message);
    },
    60_000,
  );

  it("accepts a digest-pinned image and a GPU fallback compute", async () => {
    if (noTerraform("terraform plan")) return;
    const r = await plan({
      image: `ghcr.io/ahelme/comfyume-builder@sha256:${"a".repeat(64)}`,
      compute_name: "RTX4500Ada",
      compute_size: "1",
    });
    expect(r.code, r.out).toBe(0);
  }, 60_000);

  it("is formatted as `terraform fmt` formats it", async () => {
    if (noTerraform("terraform fmt -check")) return;
    const r = await run([TERRAFORM, "fmt", "-check", "-diff", "-no-color", path.join(ROOT, "deploy/verda")], {
      env,
    });
    expect(r.stdout.join("\n")).toBe("");
    expect(r.exitCode).toBe(0);
  });

  it("the example tfvars name the secrets create-secrets.sh makes", () => {
    const example = readFileSync(path.join(ROOT, "deploy/verda/terraform.tfvars.example"), "utf8");
    const script = readFileSync(path.join(ROOT, "deploy/verda/create-secrets.sh"), "utf8");
    for (const suffix of ["buildkit-tls-ca", "buildkit-tls-cert", "buildkit-tls-key"]) {
      expect(example).toContain(`"comfyume-builder-${suffix}"`);
      expect(script).toContain(`${suffix}:`);
    }
  });
});
