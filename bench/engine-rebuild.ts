// Issue 2 benchmark. In one run, on the real stack:
//  (a) a warm, no-change rebuild of the example worker through `comfyume-builder run`
//      (compiled dist, push + digest verification, no smoke) against the same
//      `docker buildx build` argv run directly with the same cache — ratio and overhead;
//  (b) the smoke phase of the example's smoke file (5 checks) as recorded by the builder;
//  (c) the tag phase (publish: the manifest put under each tag and read back) per tag.
// Targets: ratio <= 1.10, overhead <= 400 ms, smoke <= 2.5 s, tag <= 100 ms per tag.
// Run: npm run build && node --import tsx bench/engine-rebuild.ts   (scripts/bench.sh does both)
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { run } from "../builder/src/process/spawn.js";
import { buildRecordSchema, type BuildRecord } from "../common/build-record.js";
import { stack } from "../test/helpers/stack-env.js";
import { createDockerConfig } from "../builder/src/buildx/docker-config.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROOT = path.resolve(import.meta.dirname, "..");
const MAIN = path.join(ROOT, "dist/builder/src/main.js");

const work = await mkdtemp(path.join(os.tmpdir(), "bench-engine-"));
const env = {
  ...process.env,
  BUILDER_DATA_DIR: path.join(work, "data"),
  BUILDER_CACHE_DIR: path.join(work, "cache"),
  BUILDER_DOCKER: "/usr/bin/docker",
  BUILDER_MIN_FREE_BYTES: "1GiB",
};

async function builderRun(extra: string[]): Promise<{ ms: number; record: BuildRecord; log: string[] }> {
  const started = performance.now();
  const res = await run([process.execPath, MAIN, "run", "worker", "--json", ...extra], {
    env,
    cwd: work,
    keepLines: 100_000,
  });
  const ms = performance.now() - started;
  if (res.exitCode !== 0)
    throw new Error(`comfyume-builder run failed:\n${res.stderr.slice(-30).join("\n")}`);
  const record = buildRecordSchema.parse(JSON.parse(res.stdout.join("\n")));
  const log = (await readFile(path.join(work, "data/builds", record.id, "log.ndjson"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { line: string }).line);
  return { ms, record, log };
}

/** The buildx argv the builder ran, re-pointed at the same cache and fresh scratch paths. */
function directArgv(log: string[], cacheTo: string, metadata: string): string[] {
  const line = log.find((l) => l.startsWith("$ /usr/bin/docker buildx build"));
  if (!line) throw new Error("no buildx argv in the build log");
  const argv = line.slice(2).split(" ");
  const swap = (flag: string, value: string) => {
    const i = argv.indexOf(flag);
    if (i >= 0) argv[i + 1] = value;
  };
  swap("--cache-from", `type=local,src=${path.join(work, "cache/worker")}`);
  swap("--cache-to", `type=local,dest=${cacheTo},mode=max`);
  swap("--metadata-file", metadata);
  return argv;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const s = stack();
const dockerConfig = await createDockerConfig({
  registries: [{ host: s.registry, username: s.user, password: s.password }],
  baseDir: work,
});

try {
  // Warm up: the cache exists and BuildKit has the layers, as on a builder that built before.
  await builderRun(["--no-smoke"]);
  const builder: number[] = [];
  const direct: number[] = [];
  const tagPerTag: number[] = [];
  let lastLog: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const b = await builderRun(["--no-smoke"]);
    builder.push(b.ms);
    const tag = b.record.phases.find((p) => p.name === "tag");
    if (tag?.status !== "succeeded" || !b.record.published?.length)
      throw new Error(`the tag phase did not publish: ${JSON.stringify(tag)}`);
    tagPerTag.push(tag.durationMs! / b.record.published.length);
    lastLog = b.log;
    const scratch = await mkdtemp(path.join(work, "direct-"));
    const argv = directArgv(lastLog, path.join(scratch, "cache"), path.join(scratch, "metadata.json"));
    const t0 = performance.now();
    const res = await run(argv, { env: { ...env, DOCKER_CONFIG: dockerConfig.dir } });
    direct.push(performance.now() - t0);
    if (res.exitCode !== 0) throw new Error(`direct buildx failed:\n${res.stderr.slice(-20).join("\n")}`);
    await rm(scratch, { recursive: true, force: true });
  }
  const withSmoke = await builderRun([]);
  const smoke = withSmoke.record.phases.find((p) => p.name === "smoke")!;
  const b = median(builder);
  const d = median(direct);
  console.log(`warm no-change rebuild, median of ${ROUNDS}:`);
  console.log(`  comfyume-builder run : ${b.toFixed(0)} ms`);
  console.log(`  docker buildx direct : ${d.toFixed(0)} ms`);
  console.log(
    `  ratio ${(b / d).toFixed(3)} (target <= 1.10), overhead ${(b - d).toFixed(0)} ms (target <= 400 ms)`,
  );
  console.log(
    `smoke phase (example, ${withSmoke.record.smoke?.results.length} checks): ${smoke.durationMs} ms (target <= 2500 ms)`,
  );
  console.log(
    `tag phase, median of ${ROUNDS}: ${median(tagPerTag).toFixed(0)} ms per tag (${withSmoke.record.tags.length} tags; target <= 100 ms per tag)`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
