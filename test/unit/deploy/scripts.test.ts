// Shell scripts, the compose file and the setup script's dry run, checked with the real
// tools (shellcheck, the docker compose v2 plugin, bash).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";
import { parseBuilderConfig } from "../../../builder/src/config/load-builder-config.js";
import { findUnconsumedBuildArgs } from "../../../builder/src/buildx/dockerfile-args.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const tmp = mkdtempSync(path.join(tmpdir(), "deploy-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("deploy scripts", () => {
  it.each([
    "deploy/setup-verda-cpu-instance.sh",
    "deploy/verda/create-secrets.sh",
    "deploy/builder-entrypoint.sh",
    "deploy/worker/start-worker.sh",
    "scripts/stack/base-images.sh",
    "scripts/stack/install-packages.sh",
    "scripts/stack/start.sh",
    "scripts/stack/stop.sh",
    "scripts/stack/lib.sh",
    "scripts/setup.sh",
    "scripts/test.sh",
    "scripts/start.sh",
    "scripts/bench.sh",
    "examples/worker/start-worker.sh",
    ".ci/run",
  ])("shellcheck passes on %s", async (file) => {
    // -x follows `. lib.sh`; warnings and errors fail, style notes (info) do not.
    const result = await run(["shellcheck", "-x", "-S", "warning", file], { cwd: ROOT });
    expect(result.stdout.join("\n")).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("docker compose accepts deploy/compose.yaml with the example env file", async () => {
    const result = await run(
      [
        "/usr/bin/docker",
        "compose",
        "-f",
        "deploy/compose.yaml",
        "--env-file",
        "deploy/.env.example",
        "config",
        "--format",
        "json",
      ],
      { cwd: ROOT, env: { ...process.env, BUILDER_ENV_FILE: ".env.example" }, keepLines: 10_000 },
    );
    expect(result.stderr.join("\n")).toBe("");
    expect(result.exitCode).toBe(0);
    const config = JSON.parse(result.stdout.join("\n")) as {
      services: Record<string, Record<string, unknown>>;
    };
    const builder = config.services.builder!;
    const env = builder.environment as Record<string, string>;
    expect(env.BUILDER_DATA_DIR).toMatch(/^\/mnt\/sfs\/cache\//);
    expect(env.BUILDER_PORT).toBe("8080");
    expect(builder.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: "/var/run/docker.sock", target: "/var/run/docker.sock" }),
      ]),
    );
    expect(builder.stop_grace_period).toBeDefined();
  });

  it("setup-verda-cpu-instance.sh --dry-run prints its plan and changes nothing", async () => {
    const fstab = path.join(tmp, "fstab");
    const cron = path.join(tmp, "cron");
    const result = await run(["bash", "deploy/setup-verda-cpu-instance.sh", "--dry-run"], {
      cwd: ROOT,
      env: { ...process.env, SFS_ENDPOINT: "nfs.example:/sfs-1", FSTAB: fstab, CRON_FILE: cron },
    });
    const out = result.stdout.join("\n");
    expect(result.exitCode, result.stderr.join("\n")).toBe(0);
    expect(out).toContain("dry run: nothing is changed");
    expect(out).toContain(`would append to ${fstab}: nfs.example:/sfs-1 /mnt/sfs nfs`);
    expect(out).toContain("would run: docker login ghcr.io -u ahelme --password-stdin");
    expect(out).toMatch(/would run: docker compose .* up -d --wait/);
    expect(out).toMatch(/would write .*\/v1\/hooks\/schedule.* '\{\}' >>/);
    expect(out).toMatch(
      /would write .*\*\/10 \* \* \* \* root .*\/v1\/hooks\/schedule.* '\{"changedOnly": true\}' >>/,
    );
    expect(() => readFileSync(fstab)).toThrow();
    // The cron line's program, run for real against a stand-in of the builder's schedule route.
    const line = out.split("\n").find((l) => l.includes("changedOnly"))!;
    const program = /node -e "(.*)" '(.*)' >>/.exec(line)!;
    const seen: { token?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({ token: req.headers["x-builder-token"] as string, body });
        res.writeHead(202, { "content-type": "application/json" }).end('{"builds":[]}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await run(
        [process.execPath, "-e", program[1]!.replace("127.0.0.1:8080", `127.0.0.1:${port}`), program[2]!],
        { env: { ...process.env, BUILDER_API_TOKEN: "cron-token-0123456789" } },
      );
      expect(r.exitCode, r.stderr.join("\n")).toBe(0);
      expect(r.stdout.join("\n")).toBe('202 {"builds":[]}');
      expect(seen).toEqual([{ token: "cron-token-0123456789", body: '{"changedOnly": true}' }]);
    } finally {
      server.close();
    }
  });

  it("setup-verda-cpu-instance.sh refuses to run without SFS_ENDPOINT", async () => {
    const result = await run(["bash", "deploy/setup-verda-cpu-instance.sh", "--dry-run"], {
      cwd: ROOT,
      env: { ...process.env, SFS_ENDPOINT: "" },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.join("\n")).toContain("SFS_ENDPOINT is empty");
  });

  it("builds this repository's Dockerfile.worker (with comfyume-v1's worker files) and Dockerfile.builder, every build arg declared", () => {
    const file = path.join(ROOT, "deploy/builder.config.json");
    const config = parseBuilderConfig(readFileSync(file, "utf8"), file);
    const builderSource = config.sources[config.targets.builder!.source]!;
    expect(builderSource).toMatchObject({ git: "https://github.com/ahelme/comfyume-builder.git" });
    expect(config.targets.builder).toMatchObject({ dockerfile: "Dockerfile.builder", context: "." });
    const worker = config.targets.worker!;
    expect(worker).toMatchObject({
      source: "builder",
      dockerfile: "Dockerfile.worker",
      smoke: "smoke/worker.yaml",
    });
    expect(worker.buildContexts["platform-worker"]).toMatch(
      /^https:\/\/github\.com\/ahelme\/comfyume-v1\.git#[^:]+:comfyui-worker$/,
    );
    for (const [name, t] of Object.entries(config.targets)) {
      if (config.sources[t.source] !== builderSource) continue;
      const dockerfile = readFileSync(path.join(ROOT, t.dockerfile ?? `${t.context}/Dockerfile`), "utf8");
      expect(findUnconsumedBuildArgs(dockerfile, Object.keys(t.buildArgs), t.stage), name).toEqual([]);
      expect(dockerfile, `${name}: the platform-worker stage`).toMatch(
        name === "worker" ? /FROM scratch AS platform-worker/ : /./,
      );
    }
  });

  it("deploy/builder.config.json is a valid builder config with the platform's targets and smoke files", () => {
    const file = path.join(ROOT, "deploy/builder.config.json");
    const config = parseBuilderConfig(readFileSync(file, "utf8"), file);
    expect(Object.keys(config.targets)).toEqual(
      expect.arrayContaining(["worker", "frontend", "queue-manager", "admin", "nginx"]),
    );
    for (const [name, target] of Object.entries(config.targets)) {
      expect(target.image, name).toMatch(/^ghcr\.io\/ahelme\//);
      expect(target.platforms, name).toEqual(["linux/amd64"]);
      if (target.smoke) {
        const smoke = parseYaml(readFileSync(path.join(ROOT, "deploy", target.smoke), "utf8")) as Record<
          string,
          unknown
        >;
        expect(smoke.schemaVersion, `${name}: ${target.smoke}`).toBe("2.0.0");
      }
    }
  });
});
