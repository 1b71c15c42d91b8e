// Both binaries as real processes (from the TypeScript sources): per-command help that runs
// nothing, --version, nearest-match suggestions, usage errors that exit 2 in one line without
// a stack trace, config errors with line and column, and `cache ls` over a real cache root.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TargetCacheStore } from "../../../builder/src/cache/target-cache.js";
import { run } from "../../../builder/src/process/spawn.js";
import { BUILDER_MAIN } from "../../helpers/builder-cli.js";
import { writeCacheLayout } from "../../unit/cache/oci-layout.js";

const ROOT = path.resolve(path.dirname(BUILDER_MAIN), "../..");
const TRIGGER_MAIN = path.join(ROOT, "trigger/src/main.ts");
// tsx by path: the processes run in a temp directory, where `--import tsx` would not resolve.
const TSX = pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const MAINS = { "comfyume-builder": BUILDER_MAIN, "comfyume-build": TRIGGER_MAIN } as const;
type Binary = keyof typeof MAINS;

let tmp: string;
let env: NodeJS.ProcessEnv;
const version = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as { version: string };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "binaries-"));
  // Nothing to talk to and nothing to read: a command that ran instead of its help would fail.
  env = {
    PATH: process.env.PATH,
    HOME: tmp,
    BUILDER_URL: "http://127.0.0.1:9",
    BUILDER_CONFIG: path.join(tmp, "no-such-config.json"),
    BUILDER_DATA_DIR: path.join(tmp, "data"),
    BUILDER_CACHE_DIR: path.join(tmp, "cache"),
  };
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function exec(bin: Binary, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = await run([process.execPath, "--import", TSX, MAINS[bin], ...args], {
    env: { ...env, ...extraEnv },
    cwd: tmp,
    keepLines: 10_000,
  });
  return { code: r.exitCode, stdout: r.stdout.join("\n"), stderr: r.stderr.join("\n") };
}

/** Runs `jobs` at most `n` at a time: each is a Node start-up, and the machine has 2 cores. */
async function limited<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

const COMMANDS: [Binary, string[]][] = [
  ...["submit", "status", "list", "logs", "cancel", "retry", "targets", "schedule"].map(
    (c) => ["comfyume-build", [c]] as [Binary, string[]],
  ),
  ...[
    ["serve"],
    ["run"],
    ["smoke"],
    ["config", "check"],
    ["config", "schema"],
    ["cache", "ls"],
    ["cache", "prune"],
  ].map((c) => ["comfyume-builder", c] as [Binary, string[]]),
];

describe("help and --version", () => {
  it("prints each command's own help for `<cmd> --help` and `help <cmd>`, exit 0, running nothing", async () => {
    const jobs = COMMANDS.flatMap(([bin, words]) =>
      [
        [...words, "--help"],
        ["help", ...words],
      ].map((argv) => async () => ({ bin, words, argv, r: await exec(bin, argv) })),
    );
    for (const { bin, words, argv, r } of await limited(3, jobs)) {
      const what = `${bin} ${argv.join(" ")}`;
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      expect(r.stderr, what).toBe("");
      expect(r.stdout, what).toContain(`Usage: ${bin} ${words[0]}`);
      expect(r.stdout, what).toContain(`${bin} ${words.join(" ")}`);
      expect(r.stdout, what).toMatch(/Examples?:/);
    }
    // `cache prune --help` pruned nothing and `config check --help` read no config.
    await expect(readdir(env.BUILDER_CACHE_DIR!)).rejects.toThrow(/ENOENT/);
  });

  it.each(["comfyume-build", "comfyume-builder"] as const)(
    "%s --version names the package version",
    async (bin) => {
      const r = await exec(bin, ["--version"]);
      expect(r).toEqual({ code: 0, stdout: `${bin} ${version.version}`, stderr: "" });
    },
  );
});

describe("usage errors: exit 2, one line and a pointer to help, no stack trace", () => {
  it.each<[Binary, string[], string]>([
    [
      "comfyume-build",
      ["sumbit", "worker"],
      'comfyume-build: "sumbit" is not a command; did you mean submit?',
    ],
    [
      "comfyume-build",
      ["list", "--cursr", "x"],
      "comfyume-build: unknown flag --cursr for list; did you mean --cursor?",
    ],
    ["comfyume-builder", ["cahce", "ls"], 'comfyume-builder: "cahce" is not a command; did you mean cache?'],
    ["comfyume-builder", ["cache", "prnue"], "did you mean prune?"],
    [
      "comfyume-builder",
      ["smoke", "img", "--fiel", "x"],
      "comfyume-builder: unknown flag --fiel for smoke; did you mean --file?",
    ],
    ["comfyume-builder", ["smoke"], "comfyume-builder: smoke needs an image reference"],
    ["comfyume-builder", ["smoke", "img"], "comfyume-builder: smoke needs --file SMOKE"],
    ["comfyume-builder", ["smoke", "--file", "x", "--", "-img"], "must not start with '-'"],
  ])("%s %j", async (bin, argv, message) => {
    const r = await exec(bin, argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
    expect(r.stderr.split("\n").length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("config errors", () => {
  it("gives a JSON syntax error's file, line and column, and an unknown key by name with the nearest", async () => {
    const bad = path.join(tmp, "syntax.json");
    await writeFile(bad, '{\n  "sources": {\n    "a": { "path": "." },\n  }\n}\n');
    const syntax = await exec("comfyume-builder", ["config", "check", bad]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain(
      `${bad}:4:3: not valid JSON: a trailing comma before '}' is not allowed in JSON`,
    );
    expect(syntax.stderr).not.toMatch(/position|^\s+at /m);

    const typo = path.join(tmp, "typo.json");
    const worker = { source: "a", image: "ghcr.io/ahelme/comfyume-worker", dockerfil: "Dockerfile" };
    await writeFile(typo, JSON.stringify({ sources: { a: { path: "." } }, targets: { worker } }, null, 2));
    const keys = await exec("comfyume-builder", ["config", "check", typo]);
    expect(keys.code).toBe(2);
    expect(keys.stderr).toContain("targets.worker.dockerfil: unknown key; did you mean dockerfile?");
    // The parent object is not quoted back.
    expect(keys.stderr).not.toContain("ghcr.io/ahelme/comfyume-worker");
  });
});

describe("cache ls", () => {
  it("lists each target's cache with its size and last use, and the total against the budget", async () => {
    const root = path.join(tmp, "cache-ls");
    const store = new TargetCacheStore(root);
    await writeCacheLayout(store.currentDir("worker"), 300_000, "w");
    await writeCacheLayout(store.currentDir("nginx"), 20_000, "n");
    await store.touch("worker");
    await mkdir(path.join(root, ".tmp", "frontend-export"), { recursive: true });
    await writeFile(path.join(root, ".tmp", "frontend-export", "blob"), Buffer.alloc(50_000));
    const budget = { BUILDER_CACHE_DIR: root, BUILDER_CACHE_MAX_BYTES: "1MiB" };
    const table = await exec("comfyume-builder", ["cache", "ls"], budget);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.split("\n");
    expect(lines[0]).toMatch(/^TARGET\s+SIZE\s+LAST USED$/);
    expect(lines[1]).toMatch(/^worker\s+29\d KiB\s+\d{4}-\d\d-\d\dT\S+Z \(just now\)$/);
    expect(lines[2]).toMatch(/^nginx\s+\d+(\.\d)? KiB\s+never$/);
    expect(lines[3]).toMatch(
      new RegExp(
        `^total \\S+ KiB of the 1.0 MiB budget \\(\\d+%\\) in ${root.replace(/[.]/g, "\\.")}, \\S+ KiB in running exports or crash leftovers$`,
      ),
    );
    const json = await exec("comfyume-builder", ["cache", "ls", "--json"], budget);
    const report = JSON.parse(json.stdout) as {
      budgetBytes: number;
      totalBytes: number;
      inFlightBytes: number;
      targets: { target: string; bytes: number; lastUsedAt: string | null }[];
    };
    expect(report.budgetBytes).toBe(1024 * 1024);
    expect(report.targets.map((t) => [t.target, t.lastUsedAt === null])).toEqual([
      ["worker", false],
      ["nginx", true],
    ]);
    // The same count the budget enforces.
    expect(report.totalBytes).toBe(await store.totalBytes());
    expect(report.inFlightBytes).toBeGreaterThanOrEqual(50_000);
  });
});
