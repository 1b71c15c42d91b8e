// `comfyume-builder smoke <image-ref> --file SMOKE [--junit FILE]`: run a smoke file
// against any pushed image, inside BuildKit, with the configured registry credentials.
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { EXIT, type ExitCode } from "../../../common/exit-codes.js";
import { createDockerConfig } from "../buildx/docker-config.js";
import type { BuilderEnv } from "../config/env.js";
import { loadConfiguredBuilderConfig } from "../config/resolve-config-file.js";
import { buildJunitXml } from "../smoke/junit.js";
import { runSmoke } from "../smoke/run-smoke.js";
import type { SmokeOptions } from "./command-line.js";

export async function smokeCommand(
  env: BuilderEnv,
  processEnv: NodeJS.ProcessEnv,
  opts: SmokeOptions,
): Promise<ExitCode> {
  const loaded = await loadConfiguredBuilderConfig(env);
  const registries = Object.entries(loaded.config.registries).flatMap(([host, r]) => {
    const username = processEnv[r.usernameEnv];
    const password = processEnv[r.passwordEnv];
    return username && password ? [{ host, username, password }] : [];
  });
  const dockerConfig = await createDockerConfig({ registries, baseDir: os.tmpdir() });
  try {
    const creds = new Map(registries.map((c) => [c.host, c]));
    const summary = await runSmoke({
      registryCredentials: (host) => creds.get(host),
      file: opts.file,
      image: { kind: "registry", ref: opts.image },
      docker: env.BUILDER_DOCKER,
      env: { ...processEnv, DOCKER_CONFIG: dockerConfig.dir },
      ...(env.BUILDER_BUILDX_BUILDER ? { builder: env.BUILDER_BUILDX_BUILDER } : {}),
    });
    for (const t of summary.results) {
      process.stderr.write(
        `${t.passed ? "PASS" : "FAIL"} ${t.name} (${t.durationMs} ms)${t.message && !t.passed ? `: ${t.message}` : ""}\n`,
      );
    }
    process.stderr.write(`${summary.passed} passed, ${summary.failed} failed\n`);
    if (opts.junit) await writeFile(opts.junit, buildJunitXml(summary));
    if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.failed > 0 ? EXIT.SMOKE_FAILED : EXIT.OK;
  } finally {
    await dockerConfig.cleanup();
  }
}
