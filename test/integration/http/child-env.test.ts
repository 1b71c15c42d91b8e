// Issue 9 item 7: docker, buildx and git get an allow-listed environment. A real
// `comfyume-builder serve` holding every kind of secret in its environment runs a build
// that pushes; the environment of its running buildx processes (read from /proc) holds
// none of them, only what buildx needs (PATH, DOCKER_HOST, the per-build DOCKER_CONFIG).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import { resolveScratchRoot } from "../../../builder/src/runtime.js";
import {
  API_TOKEN,
  READ_TOKEN,
  WEBHOOK_SECRET,
  createBuilderFixture,
  spawnBuilder,
  type BuilderFixture,
  type SpawnedBuilder,
} from "../../helpers/builder-server.js";
import { resolveCmdline, resolveDescendants, resolveEnviron } from "../../helpers/process-tree.js";
import { stack } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";

const SECRETS = {
  BUILDER_NOTIFY_SECRET: "notify-secret-4c1e8e0f9a",
  BUILDER_NOTIFY_URL: "http://127.0.0.1:9/hook?token=notify-url-token-77aa",
  R2_ENDPOINT: "http://127.0.0.1:9",
  R2_ACCESS_KEY_ID: "r2-access-key-id-5d2f",
  R2_SECRET_ACCESS_KEY: "r2-secret-access-key-9b8c7d",
  R2_WORKER_CONTAINER_TAR_BALL_BUCKET: "bucket",
  // Not named by the config at all: a secret the builder merely has in its environment.
  SOME_OTHER_REGISTRY_PASSWORD: "other-registry-password-31",
};

let fx: BuilderFixture;
let b: SpawnedBuilder;
beforeAll(async () => {
  fx = await createBuilderFixture();
  b = await spawnBuilder(fx, { env: SECRETS });
}, 60_000);
afterAll(async () => {
  await b?.stop();
  await fx?.cleanup();
});

describe("child process environment", () => {
  it("a running buildx sees none of the builder's secrets", async () => {
    const res = await fetch(`${b.url}/v1/builds`, {
      method: "POST",
      headers: { ...b.api, "content-type": "application/json" },
      body: JSON.stringify({
        target: "slow",
        smoke: false,
        buildArgs: { NONCE: `env-${Date.now()}`, LINES: "100", DELAY: "0.1" },
      }),
    });
    const build = (await res.json()) as BuildRecord;
    try {
      const buildx = await waitFor(
        async () => {
          const found: { pid: number; argv: string[]; env: string[] }[] = [];
          for (const pid of await resolveDescendants(b.child.pid!)) {
            const argv = await resolveCmdline(pid);
            const env = await resolveEnviron(pid);
            if (argv && env && argv.some((a) => a.endsWith("buildx")) && argv.includes("build"))
              found.push({ pid, argv, env });
          }
          // The docker CLI and its buildx plugin process.
          return found.length >= 2 ? found : undefined;
        },
        { what: "buildx to be running", timeoutMs: 120_000, intervalMs: 100 },
      );
      const s = stack();
      const secrets = [
        API_TOKEN,
        READ_TOKEN,
        WEBHOOK_SECRET,
        s.password,
        ...Object.values(SECRETS).filter((v) => v.length > 12),
      ];
      for (const p of buildx) {
        const text = p.env.join("\n");
        for (const secret of secrets)
          expect(text, `${p.argv.join(" ")} has a secret in its environment`).not.toContain(secret);
        const names = p.env.map((e) => e.slice(0, e.indexOf("=")));
        expect(names).toEqual(expect.arrayContaining(["PATH", "DOCKER_HOST", "DOCKER_CONFIG"]));
        for (const name of ["BUILDER_API_TOKEN", "COMFYUME_REGISTRY_PASSWORD", "R2_SECRET_ACCESS_KEY"])
          expect(names).not.toContain(name);
        const dockerConfig = p.env
          .find((e) => e.startsWith("DOCKER_CONFIG="))!
          .slice("DOCKER_CONFIG=".length);
        expect(dockerConfig.startsWith(`${resolveScratchRoot(fx.dataDir)}/${build.id}/`)).toBe(true);
      }
    } finally {
      await fetch(`${b.url}/v1/builds/${build.id}/cancel`, { method: "POST", headers: b.api });
    }
  }, 240_000);
});
