// Bench: pack-and-upload of a 500 MB context by `comfyume-build submit --context --detach`
// against `tar -c DIR | curl --data-binary @-` to the same endpoint, over loopback and
// over a link paced slower than the compressor; the CLI's peak RSS; and CLI start-up to
// first request (`comfyume-build targets`). Prints the figures.
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
const SLOW_LINK_MIB_S = Number(process.env.BENCH_SLOW_LINK_MIB_S ?? 100);

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

interface UploadFigures {
  cli: number[];
  curl: number[];
  rssMiB: number[];
  cliWireMiB: number;
  tarWireMiB: number;
}

/** `rounds` interleaved rounds of both clients against one sink. */
async function uploadRounds(
  dir: string,
  rounds: number,
  linkBytesPerSecond?: number,
): Promise<UploadFigures> {
  const sink = await startSink(linkBytesPerSecond ? { linkBytesPerSecond } : {});
  try {
    const f: UploadFigures = { cli: [], curl: [], rssMiB: [], cliWireMiB: 0, tarWireMiB: 0 };
    for (let round = 0; round < rounds; round++) {
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
      f.cli.push(c.seconds);
      f.rssMiB.push(c.rssKiB / 1024);
      f.cliWireMiB = sink.uploads.at(-1)!.wireBytes / MiB;
      const t = await timeIt([
        "bash",
        "-c",
        `tar -c -C "$0" . | curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-tar' --data-binary @- "$1/v1/builds?target=bench"`,
        dir,
        sink.url,
      ]);
      f.curl.push(t.seconds);
      f.tarWireMiB = sink.uploads.at(-1)!.wireBytes / MiB;
    }
    return f;
  } finally {
    await sink.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const all = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(" ");

async function benchUpload(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "trigger-bench-ctx-"));
  try {
    await makeContext(dir);
    const f = await uploadRounds(dir, ROUNDS);
    console.log(
      `upload of a ${TOTAL_MB} MiB context over loopback (median of ${ROUNDS} interleaved rounds):`,
    );
    console.log(
      `  comfyume-build submit --context: ${median(f.cli).toFixed(2)} s [${all(f.cli)}], peak RSS median ${median(f.rssMiB).toFixed(0)} MiB, max ${Math.max(...f.rssMiB).toFixed(0)} MiB (target < 120 MiB)`,
    );
    console.log(`  tar | curl --data-binary @-:     ${median(f.curl).toFixed(2)} s [${all(f.curl)}]`);
    console.log(
      `  ratio CLI / tar|curl (medians):  ${(median(f.cli) / median(f.curl)).toFixed(2)} (target <= 1.3)`,
    );
    console.log(
      `  bytes on the wire: CLI ${f.cliWireMiB.toFixed(0)} MiB (gzip, ${f.cliWireMiB > f.tarWireMiB / 2 ? "mostly stored: the link outran compression" : "compressed"}), tar ${f.tarWireMiB.toFixed(0)} MiB`,
    );
    // The same upload over a link slower than the compressor, as from Mello to a remote
    // builder: the CLI keeps compressing, and wins by what compression saves.
    const slow = await uploadRounds(dir, 1, SLOW_LINK_MIB_S * MiB);
    console.log(`the same upload over a link paced to ${SLOW_LINK_MIB_S} MiB/s (1 round):`);
    console.log(
      `  comfyume-build ${slow.cli[0]!.toFixed(2)} s (${slow.cliWireMiB.toFixed(0)} MiB on the wire), tar | curl ${slow.curl[0]!.toFixed(2)} s (${slow.tarWireMiB.toFixed(0)} MiB); ratio ${(slow.cli[0]! / slow.curl[0]!).toFixed(2)}`,
    );
  } finally {
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
