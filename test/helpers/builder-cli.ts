// Runs the real `comfyume-builder` binary (from the TypeScript sources via tsx, so tests
// never run a stale build) and collects its exit code and output.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../../builder/src/process/spawn.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BUILDER_MAIN = path.join(ROOT, "builder/src/main.ts");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runBuilderCli(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; signal?: AbortSignal },
): Promise<CliResult> {
  const result = await run([process.execPath, "--import", "tsx", BUILDER_MAIN, ...args], {
    env: opts.env,
    cwd: opts.cwd ?? ROOT,
    keepLines: 100_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { code: result.exitCode, stdout: result.stdout.join("\n"), stderr: result.stderr.join("\n") };
}
