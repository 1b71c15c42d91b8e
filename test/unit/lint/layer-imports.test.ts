// The layering lint rule (scripts/eslint/layer-imports.js) bites: each case lints a line of
// code as if it were a file in the named folder, with the project's real eslint config.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, {
    filePath: path.join(root, file),
  });
  return (result?.messages ?? []).filter((m) => m.ruleId === "local/layer-imports").map((m) => m.message);
}

describe("layer-imports lint rule", () => {
  it.each([
    ["builder/src/jobs/fixture.ts", 'import { Hono as x } from "hono";', "jobs may not import hono"],
    [
      "builder/src/jobs/phases/fixture.ts",
      'import { streamSSE as x } from "hono/streaming";',
      "jobs may not import hono/streaming",
    ],
    [
      "builder/src/jobs/fixture.ts",
      'import { createApp as x } from "../http/app.js";',
      "jobs may not import http",
    ],
    [
      "builder/src/jobs/phases/fixture.ts",
      'import { createApp as x } from "../../http/app.js";',
      "jobs may not import http",
    ],
    [
      "builder/src/buildx/fixture.ts",
      'import { BuildService as x } from "../jobs/build-service.js";',
      "buildx may not import jobs",
    ],
    [
      "builder/src/process/fixture.ts",
      'import { buildBuildArgv as x } from "../buildx/argv.js";',
      "process may not import buildx",
    ],
    [
      "builder/src/http/fixture.ts",
      'import { createRuntime as x } from "../runtime.js";',
      "http may not import runtime",
    ],
    [
      "builder/src/source/fixture.ts",
      'export { createApp as x } from "../http/app.js";',
      "source may not import http",
    ],
    [
      "common/fixture.ts",
      'import { createApp as x } from "../builder/src/http/app.js";',
      "common may not import builder",
    ],
    [
      "trigger/src/fixture.ts",
      'import { BuildService as x } from "../../builder/src/jobs/build-service.js";',
      "trigger may not import builder",
    ],
    [
      "builder/src/jobs/fixture.ts",
      'import { createBuildRunner as x } from "../runner/build-runner.js";',
      "jobs may import runner only through its port",
    ],
    [
      "builder/src/runner/phases/fixture.ts",
      'import { BuildService as x } from "../../jobs/build-service.js";',
      "runner may not import jobs",
    ],
    [
      "builder/src/store/fixture.ts",
      'import { createBuildRunner as x } from "../runner/build-runner.js";',
      "store may not import runner",
    ],
  ])("%s: %s is refused", async (file, code, expected) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(expected);
  });

  it.each([
    ["builder/src/http/fixture.ts", 'import { BuildService as x } from "../jobs/build-service.js";'],
    ["builder/src/http/fixture.ts", 'import { Hono as x } from "hono";'],
    ["builder/src/jobs/fixture.ts", 'import { buildBuildArgv as x } from "../buildx/argv.js";'],
    ["builder/src/jobs/fixture.ts", 'import type { BuildExecutor as x } from "../runner/port.js";'],
    ["builder/src/runner/fixture.ts", 'import { buildBuildArgv as x } from "../buildx/argv.js";'],
    ["builder/src/buildx/fixture.ts", 'import { spawnProcess as x } from "../process/spawn.js";'],
    ["builder/src/server.ts", 'import { createApp as x } from "./http/app.js";'],
    ["builder/src/commands/fixture.ts", 'import { startServer as x } from "../server.js";'],
    ["trigger/src/fixture.ts", 'import { buildRequestSchema as x } from "../../common/build-request.js";'],
  ])("%s: %s is allowed", async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
