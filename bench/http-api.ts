// HTTP service benchmark against a real `comfyume-builder serve` process on the real stack:
// (a) 50 clients polling GET /v1/builds/:id for 10 s while a build runs (req/s, p99);
// (b) 200 SSE followers of one running build (all get every line; builder RSS growth);
// (c) a 1 GiB context upload (builder RSS growth; ingest time vs `tar -x` from a pipe).
// Run: node --import tsx bench/http-api.ts (or npm run bench).
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client, Pool, request } from "undici";
import { createBuilderFixture, spawnBuilder, type SpawnedBuilder } from "../test/helpers/builder-server.js";
import {
  fmtMiB,
  percentile,
  resolveCpuSeconds,
  resolvePressure,
  resolveRss,
  sampleRss,
} from "./http-helpers.js";

/**
 * A program run without blocking the event loop: execFileSync here stalled undici's
 * keep-alive bookkeeping for seconds, so the next request went out on a socket the builder
 * had closed meanwhile ("other side closed"), a bench artefact, not the builder's.
 */
async function execAsync(file: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(file, args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

async function submit(b: SpawnedBuilder, buildArgs: Record<string, string>): Promise<string> {
  const res = await request(`${b.url}/v1/builds`, {
    method: "POST",
    headers: { ...b.api, "content-type": "application/json" },
    body: JSON.stringify({
      target: "slow",
      smoke: false,
      buildArgs: { NONCE: `${Date.now()}`, ...buildArgs },
    }),
  });
  const rec = (await res.body.json()) as { id: string };
  return rec.id;
}

async function cancel(b: SpawnedBuilder, id: string): Promise<void> {
  const res = await request(`${b.url}/v1/builds/${id}/cancel`, { method: "POST", headers: b.api });
  await res.body.dump();
}

async function benchPolling(b: SpawnedBuilder): Promise<void> {
  const id = await submit(b, { LINES: "400", DELAY: "0.05" });
  const pool = new Pool(b.url, { connections: 50, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + 10_000;
  const client = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const res = await pool.request({ path: `/v1/builds/${id}`, method: "GET", headers: b.read });
      await res.body.dump();
      if (res.statusCode !== 200) errors++;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: 50 }, client));
  await pool.close();
  await cancel(b, id);
  latencies.sort((x, y) => x - y);
  const rps = latencies.length / 10;
  console.log(
    `(a) polling: ${latencies.length} requests in 10 s = ${rps.toFixed(0)} req/s (target >= 1500), ` +
      `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (target < 50), errors ${errors}`,
  );
}

/** Follows one build's SSE stream to its end; returns the log lines it received. */
async function follow(b: SpawnedBuilder, id: string): Promise<number> {
  const res = await request(`${b.url}/v1/builds/${id}/logs`, {
    headers: { ...b.read, accept: "text/event-stream" },
  });
  const text = await res.body.text();
  return [...text.matchAll(/^event: log\nid: \d+\ndata: /gm)].length;
}

async function benchFollowers(b: SpawnedBuilder): Promise<void> {
  const pid = b.child.pid!;
  const before = await resolveRss(pid);
  const sampler = sampleRss(pid);
  const id = await submit(b, { LINES: "150", DELAY: "0.04" });
  const counts = await Promise.all(Array.from({ length: 200 }, () => follow(b, id)));
  const peak = await sampler.stop();
  const log = await request(`${b.url}/v1/builds/${id}/logs`, { headers: b.read });
  const total = (await log.body.text()).trimEnd().split("\n").length;
  const complete = counts.filter((c) => c === total).length;
  const spread = `followers got ${Math.min(...counts)}..${Math.max(...counts)} lines`;
  console.log(
    `(b) 200 SSE followers: ${complete}/200 got all ${total} lines; builder RSS ${fmtMiB(before)} -> peak ${fmtMiB(peak)}, ` +
      `growth ${fmtMiB(peak - before)} (target < 100 MiB); ${spread}`,
  );
}

async function makeContext(dir: string): Promise<string> {
  const ctx = path.join(dir, "ctx");
  await mkdir(ctx, { recursive: true });
  // Only the Dockerfile reaches BuildKit: the benchmark measures the upload, not a 1 GiB build.
  await writeFile(path.join(ctx, "Dockerfile"), "FROM scratch\nCOPY Dockerfile /\n");
  await writeFile(path.join(ctx, ".dockerignore"), "*\n!Dockerfile\n");
  // Random data (incompressible, like model files) written with dd to avoid buffering it here.
  // 1 GiB by default (BENCH_UPLOAD_MIB for a quicker run).
  const blobs = Math.max(1, Math.round(Number(process.env.BENCH_UPLOAD_MIB ?? 1024) / 16));
  for (let i = 0; i < blobs; i++) {
    execFileSync("dd", [
      "if=/dev/urandom",
      `of=${path.join(ctx, `blob-${i}.bin`)}`,
      "bs=1M",
      "count=16",
      "status=none",
    ]);
  }
  const tarball = path.join(dir, "ctx.tar");
  execFileSync("tar", ["-cf", tarball, "-C", ctx, "."]);
  await rm(ctx, { recursive: true, force: true });
  return tarball;
}

/** One upload of the tarball; returns its time and cancels the build it started. */
async function uploadOnce(
  b: SpawnedBuilder,
  tarball: string,
  bytes: number,
  client: "curl" | "undici",
  round: number,
) {
  const url = `${b.url}/v1/builds?target=upload&smoke=false&push=false&tag=${client}-${round}`;
  const t0 = performance.now();
  let status: number;
  let body: string;
  if (client === "curl") {
    // curl -T streams the file as it reads it: what a lean client costs the builder.
    const headers = Object.entries(b.api).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
    const out = await execAsync("curl", [
      "-s",
      "-X",
      "POST",
      "-T",
      tarball,
      "-H",
      "content-type: application/x-tar",
      ...headers,
      "-w",
      "\n%{http_code}",
      url,
    ]);
    const cut = out.lastIndexOf("\n");
    body = out.slice(0, cut);
    status = Number(out.slice(cut + 1));
  } else {
    // A connection of its own, as the trigger CLI (one process per upload) has.
    const client = new Client(b.url);
    try {
      const res = await client.request({
        path: new URL(url).pathname + new URL(url).search,
        method: "POST",
        headers: { ...b.api, "content-type": "application/x-tar", "content-length": String(bytes) },
        body: createReadStream(tarball, { highWaterMark: 1024 * 1024 }),
      });
      status = res.statusCode;
      body = await res.body.text();
    } finally {
      await client.close();
    }
  }
  const ms = performance.now() - t0;
  const rec = JSON.parse(body) as { id?: string };
  if (rec.id) {
    await cancel(b, rec.id);
    // The build the upload started must be gone before the next timed run, or its buildx
    // competes with that run for the two cores.
    for (;;) {
      const res = await request(`${b.url}/v1/builds/${rec.id}`, { headers: b.read });
      const { status: s } = (await res.body.json()) as { status: string };
      if (!["queued", "running"].includes(s)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { ms, status };
}

interface Timed {
  ms: number;
  /** CPU seconds of the process doing the work (tar and cat, or the builder). */
  cpu: number;
  /** Share of the run some task on the machine waited for a CPU / for I/O (PSI). */
  cpuWait: number;
  ioWait: number;
}

/** Times `fn` after a sync (so one run's writeback is not charged to the next). */
async function timed(cpuOf: () => Promise<number>, fn: () => Promise<unknown>): Promise<Timed> {
  await execAsync("sync", []);
  const [cpu0, p0] = [await cpuOf(), await resolvePressure()];
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const [cpu1, p1] = [await cpuOf(), await resolvePressure()];
  return {
    ms,
    cpu: cpu1 - cpu0,
    cpuWait: (p1.cpu - p0.cpu) / 1000 / ms,
    ioWait: (p1.io - p0.io) / 1000 / ms,
  };
}

/** `cat | tar -x` with its CPU (GNU time reports the shell's children). */
function tarExtract(tarball: string, out: string): number {
  const res = spawnSync(
    "/usr/bin/time",
    ["-f", "%U %S", "sh", "-c", 'cat "$1" | tar -x -C "$2"', "sh", tarball, out],
    { encoding: "utf8" },
  );
  if (res.status !== 0) throw new Error(`tar -x failed: ${res.stderr}`);
  const [user, sys] = res.stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return user! + sys!;
}

async function benchUpload(b: SpawnedBuilder, dir: string): Promise<void> {
  const tarball = await makeContext(dir);
  const bytes = (await stat(tarball)).size;
  const out = path.join(dir, "tar-x");
  const pid = b.child.pid!;
  const before = await resolveRss(pid);
  const sampler = sampleRss(pid);
  const runs = { tar: [] as Timed[], curl: [] as Timed[], undici: [] as Timed[] };
  const statuses = new Set<number>();
  const rounds = Number(process.env.BENCH_RUNS ?? 5);
  // Interleaved rounds, best of 5 each: the box is shared and noisy.
  for (let round = 1; round <= rounds; round++) {
    await mkdir(out);
    let tarCpu = 0;
    const t = await timed(
      () => Promise.resolve(tarCpu),
      async () => (tarCpu = tarExtract(tarball, out)),
    );
    runs.tar.push(t);
    await rm(out, { recursive: true, force: true });
    for (const client of ["curl", "undici"] as const) {
      let status = 0;
      const r = await timed(
        () => resolveCpuSeconds(pid),
        async () => (status = (await uploadOnce(b, tarball, bytes, client, round)).status),
      );
      runs[client].push(r);
      statuses.add(status);
    }
  }
  const peak = await sampler.stop();
  const best = (xs: Timed[]) => xs.reduce((a, x) => (x.ms < a.ms ? x : a));
  const tar = best(runs.tar);
  const fmt = (x: Timed) =>
    `${(x.ms / 1000).toFixed(2)} s (CPU ${x.cpu.toFixed(2)} s; machine waited for CPU ${(x.cpuWait * 100).toFixed(0)}%, I/O ${(x.ioWait * 100).toFixed(0)}% of it)`;
  console.log(
    `(c) ${fmtMiB(bytes)} upload (best of ${rounds}, HTTP ${[...statuses].join("/")}): tar -x from a pipe ${fmt(tar)}; ` +
      `builder ingest with curl -T ${fmt(best(runs.curl))} = ratio ${(best(runs.curl).ms / tar.ms).toFixed(2)} (target <= 1.5); ` +
      `with a Node undici client ${fmt(best(runs.undici))} = ratio ${(best(runs.undici).ms / tar.ms).toFixed(2)}; ` +
      `builder RSS growth ${fmtMiB(peak - before)} (target < 150 MiB)`,
  );
  if (process.env.BENCH_VERBOSE === "1")
    for (const [k, xs] of Object.entries(runs))
      for (const x of xs) console.log(`   ${k.padEnd(6)} ${fmt(x)}`);
}

const dir = await mkdtemp(path.join(os.tmpdir(), "bench-http-"));
const fx = await createBuilderFixture();
const b = await spawnBuilder(fx, {
  env: {
    BUILDER_MAX_UPLOAD_BYTES: "2GiB",
    BUILDER_CONCURRENCY: "2",
  },
  // e.g. BENCH_BUILDER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": the builder profiled while it works.
  nodeArgs: (process.env.BENCH_BUILDER_NODE_ARGS ?? "").split(" ").filter(Boolean),
});
try {
  const only = process.argv[2];
  if (!only || only === "poll") await benchPolling(b);
  if (!only || only === "sse") await benchFollowers(b);
  if (!only || only === "upload") await benchUpload(b, dir);
} catch (err) {
  console.error("bench failed:", err);
  if (process.env.BENCH_VERBOSE === "1") console.error(b.logs.slice(-8));
  process.exitCode = 1;
} finally {
  await b.stop();
  await fx.cleanup();
  await rm(dir, { recursive: true, force: true });
}
