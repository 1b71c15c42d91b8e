// Runs the trigger CLI (runCli, the function the binary wraps) against a real builder,
// and adds to the shared builder fixture the targets the trigger tests need: one whose
// smoke test fails (exit 3) and one that is smoke-tested and passes.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BuilderFixture } from "../../helpers/builder-server.js";
import { runCli } from "../../../trigger/src/cli/run.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  signal?: AbortSignal;
  /** Called with everything written to stdout so far, after each write. */
  onStdout?: (soFar: string) => void;
}

export async function cli(argv: string[], options: CliOptions): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli({
    argv,
    env: options.env,
    cwd: options.cwd,
    stdout: {
      write: (s: string) => {
        stdout += s;
        options.onStdout?.(stdout);
      },
      isTTY: false,
    },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    signal: options.signal ?? new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** Adds `smokefail` and `smoked` (busybox, smoke-tested by digest) to the fixture's config. */
export async function addSmokeTargets(fixture: BuilderFixture, busybox: string): Promise<void> {
  const config = JSON.parse(await readFile(fixture.configFile, "utf8")) as {
    targets: Record<string, Record<string, unknown>>;
  };
  const quick = config.targets.quick!;
  for (const [name, exitCode] of [
    ["smokefail", 1],
    ["smoked", 0],
  ] as const) {
    const dir = path.join(fixture.root, "src", name);
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, "Dockerfile"),
      `FROM ${busybox}\nARG NONCE=0\nRUN echo "${name} $NONCE" > /built\n`,
    );
    await writeFile(
      path.join(dir, "smoke.yaml"),
      `schemaVersion: 2.0.0\ncommandTests:\n  - name: the image answers\n    command: sh\n    args: ["-c", "cat /built; exit ${exitCode}"]\n    exitCode: 0\n`,
    );
    config.targets[name] = {
      ...quick,
      context: name,
      dockerfile: `${name}/Dockerfile`,
      image: String(quick.image).replace(/\/quick$/, `/${name}`),
      watch: [`${name}/**`],
      schedule: false,
      smoke: `${name}/smoke.yaml`,
    };
  }
  await writeFile(fixture.configFile, JSON.stringify(config, null, 2));
}

/** Log lines of the test Dockerfiles as printed by the CLI: `slow line 3 of 4 (nonce)`. */
export function countLines(text: string, pattern: RegExp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = pattern.exec(line);
    if (m) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  }
  return counts;
}
