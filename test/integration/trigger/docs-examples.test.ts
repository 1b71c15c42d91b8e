// Docs that cannot drift: every `comfyume-build` / `comfyume-builder` example in README.md and
// docs/trigger.md (code blocks and inline code) is found here and either run exactly as written
// by bash against a real builder, checked against the command's --help (the synopsis block),
// or listed as one that needs production, with the reason. A new example without an entry
// fails the first test. `<id>` in an example stands for a build id: bash runs it with the id
// of the build the example refers to in its place.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRecordSchema } from "../../../common/build-record.js";
import { run } from "../../../builder/src/process/spawn.js";
import { BUILDER_MAIN } from "../../helpers/builder-cli.js";
import {
  API_TOKEN,
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { git } from "../../helpers/git-repo.js";
import { BUSYBOX } from "../../helpers/stack-env.js";

const ROOT = path.resolve(path.dirname(BUILDER_MAIN), "../..");
const DOCS = ["README.md", "docs/trigger.md"];

type Example =
  | {
      doc: string;
      run: { cwd: "checkout" | "repo"; code: number; id?: string; check?: (out: string) => void };
    }
  | { doc: string; production: string }
  | { doc: string; synopsis: true };

let fx: BuilderFixture;
let builder: InProcessBuilder;
let tmp: string;
let bin: string;
let checkout: string;
/** Ids of builds the examples refer to by `<id>`, filled as the examples run. */
const ids: Record<string, string> = {};

const PROD_URL =
  "the Verda deployment (containers.datacrunch.io is unreachable here); the examples below it run against a builder on loopback";
const SMOKE_PROD =
  "pulls ghcr.io/ahelme/comfyume-worker (unreachable here); `smoke` itself runs against the registry in test/integration/smoke/smoke-command.test.ts";
const CRON =
  "a crontab line of Mello's (/opt/comfyume, /var/log); its command `comfyume-build schedule [--changed-only]` runs here from README.md";

/** In the order they run: later ones use the builds of earlier ones. */
const EXAMPLES: Example[] = [
  {
    doc: "export BUILDER_URL=https://containers.datacrunch.io/comfyume-builder BUILDER_TOKEN=... SERVERLESS_API_KEY=dc_...",
    production: PROD_URL,
  },
  {
    doc: "comfyume-build submit worker --ref v0.11.0 --tag v0.11.0",
    run: { cwd: "checkout", code: 0, check: (out) => expect(out).toMatch(/Build \S+ succeeded/) },
  },
  {
    doc: "comfyume-build submit queue-manager --context ./queue-manager",
    run: { cwd: "checkout", code: 0, check: (out) => expect(out).toMatch(/sent \d+ files/) },
  },
  {
    doc: "comfyume-build list --target worker",
    run: { cwd: "checkout", code: 0, check: (out) => expect(out).toMatch(/^ID\s+TARGET\s+STATUS/) },
  },
  { doc: "comfyume-build logs <id> --follow", run: { cwd: "checkout", code: 0, id: "worker" } },
  {
    doc: "comfyume-build cancel <id>",
    run: { cwd: "checkout", code: 0, id: "running", check: (out) => expect(out).toMatch(/cancel requested/) },
  },
  { doc: "comfyume-build retry <id>", run: { cwd: "checkout", code: 0, id: "worker" } },
  {
    doc: "comfyume-build targets",
    run: { cwd: "checkout", code: 0, check: (out) => expect(out).toMatch(/^queue-manager\s/m) },
  },
  {
    doc: "comfyume-build schedule",
    run: { cwd: "checkout", code: 0, check: (out) => expect(out).toMatch(/\tworker\t/) },
  },
  { doc: "comfyume-build schedule --changed-only", run: { cwd: "checkout", code: 0 } },
  {
    doc: "comfyume-build submit worker --json > build.json",
    run: { cwd: "checkout", code: 0, check: () => undefined },
  },
  { doc: "comfyume-builder run worker --tag v0.11.0", run: { cwd: "repo", code: 0 } },
  {
    doc: "comfyume-builder smoke ghcr.io/ahelme/comfyume-worker:v0.11.0 --file smoke/worker.yaml --junit smoke.xml",
    production: SMOKE_PROD,
  },
  {
    doc: "comfyume-builder config check deploy/builder.config.json",
    run: { cwd: "repo", code: 0, check: (out) => expect(out).toMatch(/deploy\/builder.config.json: ok/) },
  },
  {
    doc: "comfyume-builder cache ls",
    run: { cwd: "repo", code: 0, check: (out) => expect(out).toMatch(/budget/) },
  },
  { doc: "comfyume-builder cache prune --max-bytes 10GiB", run: { cwd: "repo", code: 0 } },
  { doc: "comfyume-builder cache prune --max-bytes N", synopsis: true },
  { doc: "comfyume-build logs <id>", run: { cwd: "checkout", code: 0, id: "worker" } },
  { doc: "comfyume-builder run --context DIR", synopsis: true },
  ...[
    "comfyume-build submit <target> [--ref REF | --context DIR] [--tag T]... [--platform P]... [--build-arg K=V]... [--no-push] [--no-smoke] [--no-cache] [--detach] [--json] [--idempotency-key K] [--bind | --no-bind]",
    "comfyume-build status <id> [--json]",
    "comfyume-build list [--target T] [--status S] [--limit N] [--json]",
    "comfyume-build logs <id> [--follow]",
    "comfyume-build cancel <id> [--json]",
    "comfyume-build retry <id> [--detach] [--json] [--bind | --no-bind]",
    "comfyume-build targets [--json]",
    "comfyume-build schedule [--target T]... [--ref REF] [--changed-only] [--json]",
  ].map((doc) => ({ doc, synopsis: true as const })),
  {
    doc: "0 3 * * * ops cd /opt/comfyume && comfyume-build schedule >> /var/log/comfyume-build.log 2>&1",
    production: CRON,
  },
  {
    doc: "*/5 * * * * ops cd /opt/comfyume && comfyume-build schedule --changed-only >> /var/log/comfyume-build.log 2>&1",
    production: CRON,
  },
];

/** Every example in the docs: lines of code blocks that call a binary, and inline code that does. */
async function examplesInDocs(): Promise<string[]> {
  const found: string[] = [];
  // At the start of a line or after `&&` (a crontab line); not in sample output such as a summary.
  const calls = /(^|&& )comfyume-build(er)? [a-z<]/;
  for (const doc of DOCS) {
    const text = await readFile(path.join(ROOT, doc), "utf8");
    const blocks = text.split(/^```/m);
    blocks.forEach((block, i) => {
      if (i % 2 === 0) {
        // Prose: inline code, which may wrap over a line end.
        for (const m of block.matchAll(/`([^`]+)`/g)) {
          const code = m[1]!.replace(/\s+/g, " ").trim();
          if (/^comfyume-build(er)? [a-z<]/.test(code)) found.push(code);
        }
        return;
      }
      const lines: string[] = [];
      for (const raw of block.split("\n").slice(1)) {
        if (/^\s+\[/.test(raw) && lines.length)
          lines[lines.length - 1] += ` ${raw.trim()}`; // a wrapped synopsis
        else lines.push(raw);
      }
      for (const line of lines) {
        // Several commands on one line, two spaces or more apart; a trailing comment is not part of one.
        const parts = line.startsWith("comfyume-build") ? line.split(/\s{2,}(?=comfyume-build)/) : [line];
        for (const part of parts) {
          const cmd = part.replace(/\s+#\s.*$/, "").trim();
          if (calls.test(cmd) || cmd.startsWith("export BUILDER_URL")) found.push(cmd);
        }
      }
    });
  }
  return found;
}

async function shim(name: string, main: string): Promise<void> {
  const tsx = pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
  await writeFile(
    path.join(bin, name),
    `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${main}" "$@"\n`,
    {
      mode: 0o755,
    },
  );
}

async function makeSourceRepo(): Promise<string> {
  const dir = path.join(tmp, "comfyume");
  await mkdir(path.join(dir, "queue-manager"), { recursive: true });
  await writeFile(
    path.join(dir, "Dockerfile.worker"),
    `FROM ${BUSYBOX()}\nARG NONCE=0\nARG SLEEP=0\nRUN echo "worker $NONCE" && sleep $SLEEP\n`,
  );
  await writeFile(
    path.join(dir, "queue-manager", "Dockerfile"),
    `FROM ${BUSYBOX()}\nCOPY app.txt /app.txt\n`,
  );
  await writeFile(path.join(dir, "queue-manager", "app.txt"), "queue manager\n");
  await git(dir, "init", "--quiet", "--initial-branch=main");
  await git(dir, "add", "-A");
  await git(dir, "commit", "--quiet", "-m", "first");
  await git(dir, "tag", "-a", "v0.11.0", "-m", "v0.11.0");
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "docs-examples-"));
  bin = path.join(tmp, "bin");
  await mkdir(bin);
  await shim("comfyume-build", path.join(ROOT, "trigger/src/main.ts"));
  await shim("comfyume-builder", BUILDER_MAIN);
  checkout = await makeSourceRepo();
  fx = await createBuilderFixture();
  const config = JSON.parse(await readFile(fx.configFile, "utf8")) as {
    sources: Record<string, unknown>;
    targets: Record<string, Record<string, unknown>>;
  };
  const quick = config.targets.quick!;
  const image = (name: string) => String(quick.image).replace(/\/quick$/, `/${name}`);
  config.sources.comfyume = { git: `file://${checkout}`, defaultRef: "main" };
  // Shaped like deploy/builder.config.json's worker and queue-manager.
  config.targets = {
    worker: {
      source: "comfyume",
      context: ".",
      dockerfile: "Dockerfile.worker",
      image: image("worker"),
      tags: ["{ref}"],
      schedule: true,
    },
    "queue-manager": {
      source: "comfyume",
      context: "queue-manager",
      dockerfile: "queue-manager/Dockerfile",
      image: image("queue-manager"),
      tags: ["{ref}"],
      schedule: false,
    },
  };
  await writeFile(fx.configFile, JSON.stringify(config, null, 2));
  builder = await startBuilder(fx);
});
afterAll(async () => {
  await builder?.stop();
  await fx?.cleanup();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function sh(line: string, cwd: string, extra: Record<string, string> = {}) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    ...fx.env,
    PATH: `${bin}:${process.env.PATH}`,
    BUILDER_URL: builder.url,
    BUILDER_TOKEN: API_TOKEN,
    // `run` is its own replica: its own records, so the server's claims are not disturbed.
    BUILDER_DATA_DIR: path.join(tmp, "run-data"),
    BUILDER_CACHE_DIR: path.join(tmp, "run-cache"),
    ...extra,
  };
  const r = await run(["bash", "-euo", "pipefail", "-c", line], { env, cwd, keepLines: 100_000 });
  return { code: r.exitCode, stdout: r.stdout.join("\n"), stderr: r.stderr.join("\n") };
}

describe("docs examples", () => {
  it("every example in README.md and docs/trigger.md has an entry here, and every entry is in the docs", async () => {
    const found = [...new Set(await examplesInDocs())].sort();
    expect(found).toEqual([...new Set(EXAMPLES.map((e) => e.doc))].sort());
  });

  it("runs each runnable example as written against a real builder", async () => {
    for (const example of EXAMPLES) {
      if (!("run" in example)) continue;
      const { cwd, code, id, check } = example.run;
      const extra: Record<string, string> = {};
      let line = example.doc;
      if (id === "running") {
        // A build that is still queued or running when `cancel <id>` runs.
        const slow = await sh(
          "comfyume-build submit worker --build-arg NONCE=$RANDOM$RANDOM --build-arg SLEEP=60 --no-push --detach",
          checkout,
        );
        expect(slow.code, slow.stderr).toBe(0);
        ids.running = slow.stdout.trim();
      }
      if (id !== undefined) {
        expect(ids[id], `the build ${id} an earlier example started`).toBeDefined();
        line = line.replace("<id>", '"$ID"');
        extra.ID = ids[id]!;
      }
      const r = await sh(line, cwd === "repo" ? ROOT : checkout, extra);
      expect(r.code, `${example.doc}\n${r.stdout}\n${r.stderr}`).toBe(code);
      check?.(r.stdout);
      if (example.doc === "comfyume-build submit worker --ref v0.11.0 --tag v0.11.0") {
        ids.worker = /Build (\S+) succeeded/.exec(r.stdout)![1]!;
      }
      if (example.doc.endsWith("> build.json")) {
        const saved = buildRecordSchema.parse(
          JSON.parse(await readFile(path.join(checkout, "build.json"), "utf8")),
        );
        expect(saved.status).toBe("succeeded");
      }
    }
  });

  it("documents each synopsis with the flags its --help lists", async () => {
    for (const example of EXAMPLES) {
      if (!("synopsis" in example)) continue;
      const [binary, command] = example.doc.split(" ") as [string, string];
      const words = binary === "comfyume-builder" && command === "cache" ? ["cache", "prune"] : [command];
      const r = await sh(`${binary} ${words.join(" ")} --help`, ROOT);
      expect(r.code, r.stderr).toBe(0);
      for (const flag of example.doc.match(/--[a-z-]+/g) ?? []) {
        expect(r.stdout, `${example.doc}: ${flag} in ${words.join(" ")} --help`).toContain(flag);
      }
    }
  });
});
