// Bench (issue 9): 200 SSE clients that never read, on a finished build with a 3 MB log,
// against a real `comfyume-builder serve`, while 50 clients poll GET /v1/builds/:id. Prints
// the builder's RSS growth while the slow clients are connected (target < 100 MB) and the
// pollers' p99 (target < 100 ms) against the same 50 pollers with no slow client, measured
// first in the same run. Before the bound: RSS 73 -> 681 MB and /healthz 16.9 s.
// Run: node --import tsx bench/slow-stream-clients.ts   (SLOW_CLIENTS=200 POLL_SECONDS=10)
import { connect, type Socket } from "node:net";
import { Pool } from "undici";
import { writeBuildWithLog } from "../test/helpers/big-log.js";
import {
  createBuilderFixture,
  READ_TOKEN,
  spawnBuilder,
  type SpawnedBuilder,
} from "../test/helpers/builder-server.js";
import { fmtMiB, percentile, resolveRss, sampleRss } from "./http-helpers.js";

const SLOW = Number(process.env.SLOW_CLIENTS ?? 200);
const POLLERS = 50;
const SECONDS = Number(process.env.POLL_SECONDS ?? 10);

interface PollFigures {
  requests: number;
  p50: number;
  p99: number;
  errors: number;
}

async function poll(b: SpawnedBuilder, id: string): Promise<PollFigures> {
  const pool = new Pool(b.url, { connections: POLLERS, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const res = await pool.request({ path: `/v1/builds/${id}`, method: "GET", headers: b.read });
      await res.body.dump();
      if (res.statusCode !== 200) errors++;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: POLLERS }, client));
  await pool.close();
  latencies.sort((x, y) => x - y);
  return {
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

/** An SSE request whose socket is never read: the client that stopped reading. */
function stalled(url: string, id: string): Socket {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.pause();
  socket.write(
    `GET /v1/builds/${id}/logs HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${READ_TOKEN}\r\n` +
      "Accept: text/event-stream\r\n\r\n",
  );
  return socket;
}

const fmt = (f: PollFigures) =>
  `${f.requests} requests (${(f.requests / SECONDS).toFixed(0)}/s), p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, errors ${f.errors}`;

const fx = await createBuilderFixture();
const b = await spawnBuilder(fx);
const sockets: Socket[] = [];
try {
  const { id, lines } = await writeBuildWithLog(fx.dataDir, 3_000_000);
  const pid = b.child.pid!;
  // One full read first, so both phases run with the code loaded and the log's pages read once.
  const warm = await fetch(`${b.url}/v1/builds/${id}/logs`, {
    headers: { ...b.read, accept: "text/event-stream" },
  });
  await warm.text();
  const baseline = await poll(b, id);
  const before = await resolveRss(pid);
  const sampler = sampleRss(pid);
  for (let i = 0; i < SLOW; i++) sockets.push(stalled(b.url, id));
  const loaded = await poll(b, id);
  const peak = await sampler.stop();
  console.log(`log: ${lines} lines (~3 MB) of a finished build; ${SLOW} SSE clients that never read`);
  console.log(`pollers alone:          ${fmt(baseline)}`);
  console.log(
    `pollers + slow clients: ${fmt(loaded)}; p99 ratio ${(loaded.p99 / baseline.p99).toFixed(2)} (target p99 < 100 ms)`,
  );
  console.log(
    `builder RSS ${fmtMiB(before)} -> peak ${fmtMiB(peak)} with the slow clients: growth ${fmtMiB(peak - before)} (target < 100 MiB)`,
  );
} finally {
  for (const s of sockets) s.destroy();
  await b.stop();
  await fx.cleanup();
}
