// README's "Installing the CLI on Mello", run as written: `npm pack` in this repository, then
// `npm install -g --prefix ~/.local` of the tarball (HOME is a temp directory, so ~/.local is
// a temp prefix), then the installed `comfyume-build --version`. Mello is ARM64: the test also
// checks that nothing installed is native or tied to one CPU, so the same tarball installs there.
import { readdir, readFile, rm, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";
import { BUILDER_MAIN } from "../../helpers/builder-cli.js";

const ROOT = path.resolve(path.dirname(BUILDER_MAIN), "../..");
let home: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "mello-home-"));
});
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  for (const f of await readdir(ROOT)) if (/^comfyume-builder-.*\.tgz$/.test(f)) await rm(path.join(ROOT, f));
});

/** The README's install block, line by line. */
async function installBlock(): Promise<string[]> {
  const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
  const section = readme.split("### Installing the CLI on Mello")[1];
  const block = /```sh\n([\s\S]*?)```/.exec(section ?? "");
  if (!block) throw new Error("README.md has no install block under 'Installing the CLI on Mello'");
  return block[1]!.trim().split("\n");
}

function shellEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

async function* files(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

it("installs the packed CLI into ~/.local and runs comfyume-build --version", async () => {
  const lines = await installBlock();
  // Not run here: the clone needs GitHub (unreachable from this machine; the test runs in a
  // clone), and `npm ci && npm run build` is what scripts/setup.sh does before every test run.
  expect(lines.slice(0, 2)).toEqual([
    "git clone https://github.com/ahelme/comfyume-builder.git && cd comfyume-builder",
    "npm ci && npm run build",
  ]);
  const version = (JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as { version: string })
    .version;
  const started = Date.now();
  const r = await run(["bash", "-euo", "pipefail", "-c", lines.slice(2).join("\n")], {
    // A login shell's environment (the machine's CA bundle for the registry's TLS proxy) minus
    // what `npm exec vitest` adds; the real npm cache only spares re-downloads.
    env: { ...shellEnv(), HOME: home, npm_config_cache: path.join(os.homedir(), ".npm") },
    cwd: ROOT,
    keepLines: 10_000,
  });
  expect(r.exitCode, r.stderr.join("\n")).toBe(0);
  expect(r.stdout.at(-1)).toBe(`comfyume-build ${version}`);
  console.log(`pack + install + --version: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const installed = path.join(home, ".local/lib/node_modules/comfyume-builder");
  const native: string[] = [];
  for await (const f of files(installed)) {
    if (f.endsWith(".node") || path.basename(f) === "binding.gyp") native.push(f);
    if (path.basename(f) === "package.json" && f.includes("node_modules")) {
      const pkg = JSON.parse(await readFile(f, "utf8")) as { cpu?: unknown; os?: unknown; gypfile?: unknown };
      if (pkg.cpu !== undefined || pkg.gypfile !== undefined) native.push(f);
    }
  }
  expect(native, "native or CPU-specific files would not install on ARM64 as they are").toEqual([]);
  const help = await run([path.join(home, ".local/bin/comfyume-build"), "help", "submit"], {
    env: { ...shellEnv(), HOME: home },
    keepLines: 10_000,
  });
  expect(help.exitCode).toBe(0);
  expect(help.stdout[0]).toBe("Usage: comfyume-build submit <target> [--ref REF | --context DIR] [options]");
});
