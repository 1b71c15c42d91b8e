// Bench: pack-and-upload of a 500 MB context by `comfyume-build submit --context --detach`
// against `tar -c DIR | curl --data-binary @-` to the same endpoint; the CLI's peak RSS;
// and CLI start-up to first request (`comfyume-build targets`). Prints the figures.
// Run with bench/trigger.sh (it builds dist/ first).
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../builder/src/process/spawn.js";
import { startSink } from "./trigger-sink.js";

const CLI = path.resolve("dist/trigger/src/main.js");
const MiB = 1024 ** 2;
const TOTAL_MB = Number(process.env.BENCH_CONTEXT_MB ?? 500);
// The box is shared (2 cores, other test runs): interleave the two clients and compare medians.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** A context like a real one: mostly compressible source and text, some binary (wheels, images). */
async function makeContext(dir: string): Promise<void> {
  const text = Buffer.from(
    Array.from(
      { length: 20_000 },
      (_, i) => `def step_${i}(x):\n    return x * ${i} + ${(i * 7919) % 1000}  # line\n`,
    ).join(""),
  );
  let written = 0;
  for (let i = 0; written < TOTAL_MB * MiB; i++) {
    const sub = path.join(dir, `pkg${i % 10}`);
    await mkdir(sub, { recursive: true });
    // Every fourth file is incompressible, the rest compress about 10x.
    const chunk =
      i % 4 === 3
        ? randomBytes(8 * MiB)
        : Buffer.concat(Array(Math.ceil((8 * MiB) / text.length)).fill(text)).subarray(0, 8 * MiB);
    await writeFile(path.join(sub, `file${i}.dat`), chunk);
    written += chunk.length;
  }
  await writeFile(path.join(dir, "Dockerfile"), "FROM scratch\nCOPY . /\n");
}

async function timeIt(argv: string[]): Promise<{ seconds: number; rssKiB: number; out: string }> {
  // GNU time prints "<elapsed> <maxrss KiB>" as the last stderr line.
  const r = await run(["/usr/bin/time", "-f", "%e %M", ...argv], { keepLines: 20 });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed (${r.exitCode}): ${r.stderr.join("\n")}`);
  const [secs, rss] = (r.stderr.at(-1) ?? "").split(" ").map(Number);
  return { seconds: secs ?? NaN, rssKiB: rss ?? NaN, out: r.stdout.join("\n") };
}

async function benchUpload(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "trigger-bench-ctx-"));
  const sink = await startSink();
  try {
    await makeContext(dir);
    const cli: number[] = [];
    const curl: number[] = [];
    const rss: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const c = await timeIt([
        "node",
        CLI,
        "submit",
        "bench",
        "--context",
        dir,
        "--detach",
        "--url",
        sink.url,
      ]);
      cli.push(c.seconds);
      rss.push(c.rssKiB / 1024);
      const t = await timeIt([
        "bash",
        "-c",
        `tar -c -C "$0" . | curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-tar' --data-binary @- "$1/v1/builds?target=bench"`,
        dir,
        sink.url,
      ]);
      curl.push(t.seconds);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const all = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(" ");
    const sent = sink.uploads.map((u) => u.bytes);
    console.log(`upload of a ${TOTAL_MB} MiB context (median of ${ROUNDS} interleaved rounds):`);
    console.log(
      `  comfyume-build submit --context: ${median(cli).toFixed(2)} s [${all(cli)}], peak RSS median ${median(rss).toFixed(0)} MiB, max ${Math.max(...rss).toFixed(0)} MiB (target < 120 MiB)`,
    );
    console.log(`  tar | curl --data-binary @-:     ${median(curl).toFixed(2)} s [${all(curl)}]`);
    console.log(
      `  ratio CLI / tar|curl (medians):  ${(median(cli) / median(curl)).toFixed(2)} (target <= 1.3)`,
    );
    console.log(
      `  bytes on the wire: CLI ${(Math.min(...sent) / MiB).toFixed(0)} MiB (gzip), tar ${(Math.max(...sent) / MiB).toFixed(0)} MiB`,
    );
  } finally {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** ms from spawning `argv` to its first request reaching the sink, 7 runs sorted. */
async function firstRequestTimes(
  sink: Awaited<ReturnType<typeof startSink>>,
  argv: string[],
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    const before = sink.arrivals.length;
    const t0 = Date.now();
    const r = await run(argv);
    if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr.join("\n")}`);
    samples.push(sink.arrivals[before]! - t0);
  }
  return samples.sort((a, b) => a - b);
}

async function benchStartup(): Promise<void> {
  const sink = await startSink();
  try {
    const cli = await firstRequestTimes(sink, ["node", CLI, "targets", "--url", sink.url]);
    // The floor on this machine right now: bare node making one request with node:http.
    const bare = await firstRequestTimes(sink, [
      "node",
      "-e",
      `require("http").get(${JSON.stringify(`${sink.url}/v1/targets`)}, (r) => r.resume())`,
    ]);
    console.log(
      `start-up to first request (comfyume-build targets, 7 runs): median ${cli[3]} ms, min ${cli[0]} ms, max ${cli[6]} ms (target < 300 ms)`,
    );
    console.log(
      `  for scale, bare node + node:http on this machine now: median ${bare[3]} ms, min ${bare[0]} ms`,
    );
  } finally {
    await sink.close();
  }
}

await benchStartup();
await benchUpload();
