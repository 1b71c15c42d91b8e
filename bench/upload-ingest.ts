// Bench: ingestUpload (one pass: hash, count, gunzip, validate, unpack) against
// `cat ARCHIVE | tar -x` into a fresh directory, for a ~1 GiB context of random
// bytes (a few large files, some medium, many small in nested directories), as a
// plain tar and as a tar.gz. Best of 5 each, interleaved so both see the same disk
// state, with `sync` before every timed run so one run's writeback is not charged
// to the next. Prints seconds, the ratio and the builder's RSS growth during ingest.
// Run: node --import tsx bench/upload-ingest.ts   (BENCH_UPLOAD_MIB=256 for a quick one)
import { randomFillSync } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { runChecked } from "../builder/src/process/spawn.js";
import { ingestUpload } from "../builder/src/source/upload.js";

const MiB = 1024 ** 2;
const TOTAL = Number(process.env.BENCH_UPLOAD_MIB ?? 1024) * MiB;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** Writes ~TOTAL bytes: 60 % in three large files, 20 % in 2 MiB files, 20 % in 1–64 KiB files. */
async function makeContext(dir: string): Promise<number> {
  // Slices of one random pool at random offsets: incompressible, and quick to produce.
  const pool = randomFillSync(Buffer.allocUnsafe(64 * MiB));
  const slice = (n: number) => {
    const at = Math.floor(Math.random() * (pool.length - n));
    return pool.subarray(at, at + n);
  };
  const write = async (rel: string, size: number) => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    const out = createWriteStream(path.join(dir, rel));
    for (let left = size; left > 0; left -= 16 * MiB) out.write(slice(Math.min(left, 16 * MiB)));
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  };
  let files = 0;
  for (let i = 0; i < 3; i++, files++)
    await write(`models/large-${i}.bin`, Math.floor((TOTAL * 0.2) / MiB) * MiB);
  for (let done = 0; done < TOTAL * 0.2; done += 2 * MiB, files++)
    await write(`wheels/w${files}.whl`, 2 * MiB);
  for (let done = 0; done < TOTAL * 0.2; files++) {
    const size = 1024 + Math.floor(Math.random() * 63 * 1024);
    await write(`src/pkg${files % 37}/mod${files % 11}/f${files}.py`, size);
    done += size;
  }
  await writeFile(path.join(dir, "Dockerfile"), "FROM scratch\nCOPY . /\n");
  return files + 1;
}

async function timed(fn: () => Promise<void>): Promise<{ seconds: number; rssGrowth: number }> {
  await runChecked(["sync"]);
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t) / 1000;
  return { seconds, rssGrowth: Math.max(peak, process.memoryUsage().rss) - before };
}

/** The same body as a file stream with the default 64 KiB reads and with 1 MiB reads (closer to a socket, whose reads cost no thread-pool round trip). */
const READS = [64 * 1024, MiB] as const;

async function compare(work: string, archive: string, label: string): Promise<void> {
  const dest = path.join(work, "dest");
  const bytes = (await stat(archive)).size;
  const tarArgs = archive.endsWith(".gz") ? "-xzf" : "-xf";
  let tarBest = Infinity;
  const ingestBest = READS.map(() => Infinity);
  let rssWorst = 0;
  const fresh = async () => {
    await rm(dest, { recursive: true, force: true });
    await mkdir(dest);
  };
  for (let i = 0; i < RUNS; i++) {
    await fresh();
    const t = await timed(async () => {
      // Positional parameters, never interpolated: the script is fixed.
      await runChecked(["sh", "-c", `cat -- "$1" | tar ${tarArgs} - -C "$2"`, "sh", archive, dest]);
    });
    tarBest = Math.min(tarBest, t.seconds);
    for (const [r, highWaterMark] of READS.entries()) {
      await fresh();
      const u = await timed(async () => {
        const res = await ingestUpload(createReadStream(archive, { highWaterMark }), {
          // The limit counts the unpacked tree in whole blocks (upload-limits.ts): room for that.
          maxBytes: 2 * bytes,
          destDir: dest,
        });
        // res.bytes is the tar's size; a gzip archive is smaller on disk than that.
        if (archive.endsWith(".gz") ? res.bytes <= bytes : res.bytes !== bytes)
          throw new Error(`ingest saw a ${res.bytes}-byte tar in a ${bytes}-byte ${label} archive`);
      });
      ingestBest[r] = Math.min(ingestBest[r]!, u.seconds);
      rssWorst = Math.max(rssWorst, u.rssGrowth);
    }
  }
  await rm(dest, { recursive: true, force: true });
  const ingest = READS.map(
    (hwm, r) =>
      `ingestUpload (${hwm / 1024} KiB reads) ${ingestBest[r]!.toFixed(2)} s = ${(ingestBest[r]! / tarBest).toFixed(2)}×`,
  );
  console.log(
    `${label.padEnd(7)} ${(bytes / MiB).toFixed(0).padStart(5)} MiB  tar -x ${tarBest.toFixed(2)} s  ` +
      `${ingest.join("  ")}  RSS growth ≤ ${(rssWorst / MiB).toFixed(0)} MB`,
  );
}

const work = await mkdtemp(path.join(tmpdir(), "bench-upload-"));
try {
  const src = path.join(work, "src");
  const files = await makeContext(src);
  const archive = path.join(work, "context.tar");
  await runChecked(["tar", "-cf", archive, "-C", src, "."]);
  await rm(src, { recursive: true });
  console.log(
    `context: ${files} files, ${((await stat(archive)).size / MiB).toFixed(0)} MiB tar; best of ${RUNS}`,
  );
  await compare(work, archive, "tar");
  const gz = `${archive}.gz`;
  await pipeline(createReadStream(archive), createGzip({ level: 1 }), createWriteStream(gz));
  await rm(archive);
  await compare(work, gz, "tar.gz");
} finally {
  await rm(work, { recursive: true, force: true });
}
