// The CLI's messages against a real builder, one test each (issue 14): what `--context DIR`
// means and what it says when DIR does not fit the target, a dead loopback URL failing at
// once while a non-loopback one is waited for (both naming the URL), the real id in the
// Ctrl-C hint, `list --cursor`, and the time so far of a running build.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRecordSchema } from "../../../common/build-record.js";
import {
  API_TOKEN,
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { waitForEnd } from "../../helpers/builder-api.js";
import { BUSYBOX } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";
import { cli, type CliOptions } from "./trigger-fixture.js";

let fx: BuilderFixture;
let builder: InProcessBuilder;
let checkout: string;
let opts: CliOptions;

/**
 * Targets shaped like the platform's: `worker` builds comfyui-worker/ with its own Dockerfile
 * (PLATFORM.md), `outside` keeps its Dockerfile outside its context.
 */
async function addPlatformTargets(): Promise<void> {
  const config = JSON.parse(await readFile(fx.configFile, "utf8")) as {
    targets: Record<string, Record<string, unknown>>;
  };
  const quick = config.targets.quick!;
  const image = (name: string) => String(quick.image).replace(/\/quick$/, `/${name}`);
  config.targets.worker = {
    ...quick,
    context: "comfyui-worker",
    dockerfile: "comfyui-worker/Dockerfile",
    image: image("worker"),
    schedule: false,
  };
  config.targets.custom = {
    ...quick,
    context: "svc",
    dockerfile: "svc/Dockerfile.prod",
    image: image("custom"),
    schedule: false,
  };
  config.targets.outside = {
    ...quick,
    context: "app",
    dockerfile: "Dockerfile.app",
    image: image("outside"),
    schedule: false,
  };
  await writeFile(fx.configFile, JSON.stringify(config, null, 2));
}

beforeAll(async () => {
  fx = await createBuilderFixture();
  await addPlatformTargets();
  builder = await startBuilder(fx);
  // A checkout of the platform repository: the worker's context with its Dockerfile.
  checkout = await mkdtemp(path.join(os.tmpdir(), "trigger-checkout-"));
  await mkdir(path.join(checkout, "comfyui-worker"));
  await writeFile(
    path.join(checkout, "comfyui-worker", "Dockerfile"),
    `FROM ${BUSYBOX()}\nCOPY main.py /app/\nRUN cat /app/main.py\n`,
  );
  await writeFile(path.join(checkout, "comfyui-worker", "main.py"), `print("${randomUUID()}")\n`);
  opts = { env: { BUILDER_URL: builder.url, BUILDER_TOKEN: API_TOKEN }, cwd: checkout };
});
afterAll(async () => {
  await builder?.stop();
  await fx?.cleanup();
  if (checkout) await rm(checkout, { recursive: true, force: true });
});

const record = (stdout: string) => buildRecordSchema.parse(JSON.parse(stdout));

describe("--context DIR is the target's build context", () => {
  it("builds `submit worker --context ./comfyui-worker` as written in the README of old", async () => {
    const r = await cli(["submit", "worker", "--context", "./comfyui-worker"], opts);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/succeeded/);
  });

  it("says to pass the context directory when given the checkout's root, before sending anything", async () => {
    const before = await workerBuilds();
    const r = await cli(["submit", "worker", "--context", ".", "--no-push", "--json"], opts);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(ROOT_GIVEN);
    expect(await workerBuilds()).toBe(before);
  });

  it("names the target's context when the directory is something else", async () => {
    await withDir({ README: "not a worker\n" }, async (other) => {
      const r = await cli(["submit", "worker", "--context", other, "--no-push", "--json"], opts);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /has no Dockerfile: .*pass the directory that is target worker's build context \("comfyui-worker" in source local\)/,
      );
    });
  });

  it("counts a Dockerfile its .dockerignore leaves out as sent (docker sends it anyway)", async () => {
    const files = { Dockerfile: `FROM ${BUSYBOX()}\nRUN true\n`, ".dockerignore": "Dockerfile\n" };
    await withDir(files, async (dir) => {
      const r = await cli(["submit", "worker", "--context", dir, "--no-push", "--json"], opts);
      expect(r.code, r.stderr).toBe(0);
    });
  });

  it("sends a Dockerfile of another name its .dockerignore leaves out, as docker build -f does", async () => {
    const files = { "Dockerfile.prod": `FROM ${BUSYBOX()}\nRUN true\n`, ".dockerignore": "Dockerfile*\n" };
    await withDir(files, async (dir) => {
      const r = await cli(["submit", "custom", "--context", dir, "--no-push", "--json"], opts);
      expect(r.code, r.stderr).toBe(0);
    });
  });

  it("refuses a target whose Dockerfile lies outside its context, saying to build a ref", async () => {
    const r = await cli(["submit", "outside", "--context", "./comfyui-worker", "--no-push", "--json"], opts);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(OUTSIDE);
  });

  it("the builder says the same to a client that uploads a wrong directory anyway", async () => {
    const upload = async (target: string, dir: string) => {
      const res = await fetch(`${builder.url}/v1/builds?target=${target}&push=false`, {
        method: "POST",
        headers: { ...builder.api, "content-type": "application/gzip" },
        body: execFileSync("tar", ["-C", dir, "-czf", "-", "."]),
      });
      expect(res.status).toBe(202);
      return waitForEnd(builder, ((await res.json()) as { id: string }).id);
    };
    const root = await upload("worker", checkout);
    expect(root.status).toBe("failed");
    expect(root.error?.message).toContain(ROOT_GIVEN);
    const outside = await upload("outside", path.join(checkout, "comfyui-worker"));
    expect(outside.error?.message).toMatch(OUTSIDE);
  });
});

const ROOT_GIVEN =
  "the uploaded context has no Dockerfile: --context DIR is the build context of worker; the directory sent holds comfyui-worker/Dockerfile, so it is the source's root: pass its comfyui-worker directory instead (e.g. --context ./comfyui-worker)";
const OUTSIDE =
  /dockerfile "Dockerfile.app", outside its build context "app", so an uploaded context cannot carry it; build a git ref/;

/** A temporary directory holding `files` (name -> content), removed after `body`. */
async function withDir(files: Record<string, string>, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "trigger-dir-"));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function workerBuilds(): Promise<number> {
  const res = await fetch(`${builder.url}/v1/builds?target=worker&limit=500`, { headers: builder.read });
  return ((await res.json()) as { builds: unknown[] }).builds.length;
}

async function closedPort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("an unreachable builder", () => {
  it("fails at once on a loopback URL nothing listens on, naming it", async () => {
    const url = `http://127.0.0.1:${await closedPort("127.0.0.1")}`;
    const started = Date.now();
    const r = await cli(["list", "--url", url], opts);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(
      `comfyume-build: listing builds: nothing is listening at ${url} (connection refused); start the builder there, point --url or BUILDER_URL at the one you mean, or give --wait-ready SECONDS to wait for one that is starting\n`,
    );
    // Not the 300 s of --wait-ready: no retry was announced.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("keeps waiting on a non-loopback URL (a gateway scaling up), naming it in each notice", async () => {
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i?.family === "IPv4" && !i.internal)?.address;
    expect(address, "this machine has a non-loopback IPv4 address").toBeDefined();
    const url = `http://${address}:${await closedPort("0.0.0.0")}`;
    const stop = new AbortController();
    const running = cli(["list", "--url", url], { ...opts, signal: stop.signal });
    let stderr = "";
    const r = await Promise.race([
      running,
      new Promise<undefined>((resolve) => setTimeout(resolve, 2500, undefined)),
    ]);
    expect(r, "still waiting after 2.5 s").toBeUndefined();
    stop.abort();
    ({ stderr } = await running);
    expect(stderr).toMatch(
      new RegExp(
        `builder at ${url.replace(/\./g, "\\.")} not ready \\(ECONNREFUSED: .*\\); retrying in .* \\(waited \\d+ of 300 s\\)`,
      ),
    );
  });
});

describe("following and listing", () => {
  const slow = (lines: number) => [
    "submit",
    "slow",
    `--build-arg=NONCE=${randomUUID().slice(0, 8)}`,
    `--build-arg=LINES=${lines}`,
    "--build-arg=DELAY=0.5",
    "--no-push",
  ];

  it("Ctrl-C names the real build id in the cancel hint", async () => {
    const stop = new AbortController();
    let seen = "";
    const following = cli(slow(60), { ...opts, signal: stop.signal, onStdout: (s) => (seen = s) });
    await waitFor(() => /slow line 2 of 60/.test(seen), { timeoutMs: 120_000, what: "the second slow line" });
    stop.abort();
    const r = await following;
    expect(r.code).toBe(4);
    const id = /interrupted; build (\S+) goes on \(cancel it with `comfyume-build cancel (\S+)`\)/.exec(
      r.stderr,
    );
    expect(id, r.stderr).not.toBeNull();
    expect(id![2]).toBe(id![1]);
    expect(id![1]).not.toBe("<id>");
    // The id is a build the builder has, and it is still running: cancel it by that id.
    const cancelled = await cli(["cancel", id![1]!], opts);
    expect(cancelled.code).toBe(0);
  });

  it("shows a running build's time so far in status and list", async () => {
    const started = await cli([...slow(60), "--detach"], opts);
    const id = started.stdout.trim();
    await waitFor(() => isRunning(id), { timeoutMs: 120_000, intervalMs: 300, what: "the build running" });
    const status = await cli(["status", id], opts);
    expect(status.stdout).toMatch(new RegExp(`Build ${id} running for (\\d+ s|\\d+m\\d\\ds) so far`));
    const list = await cli(["list", "--status", "running"], opts);
    const row = list.stdout.split("\n").find((line) => line.startsWith(id));
    // The DURATION column of a running build: `running 7 s`, `running 1m05s`.
    expect(row, list.stdout).toMatch(/\srunning\s.*\srunning (\d+ s|\d+m\d\ds)\s/);
    await cli(["cancel", id], opts);
  });

  it("pages with --cursor: the next page's command on stderr, different builds on it", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await cli(
        ["submit", "quick", `--build-arg=NONCE=${randomUUID()}`, "--no-push", "--detach"],
        opts,
      );
      expect(r.code).toBe(0);
    }
    const first = await cli(["list", "--limit", "2"], opts);
    expect(first.code).toBe(0);
    const more = /^more: comfyume-build list --limit 2 --cursor (\S+)\n$/.exec(first.stderr);
    expect(more, first.stderr).not.toBeNull();
    const second = await cli(["list", "--limit", "2", "--cursor", more![1]!], opts);
    expect(second.code).toBe(0);
    const ids = (out: string) =>
      out
        .split("\n")
        .slice(1)
        .filter(Boolean)
        .map((l) => l.split(/\s+/)[0]);
    expect(ids(first.stdout)).toHaveLength(2);
    expect(ids(second.stdout).length).toBeGreaterThan(0);
    for (const id of ids(second.stdout)) expect(ids(first.stdout)).not.toContain(id);
  });
});

async function isRunning(id: string): Promise<boolean> {
  const r = await cli(["status", id, "--json"], opts);
  return r.code === 0 && record(r.stdout).status === "running";
}
