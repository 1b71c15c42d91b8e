// Issue 9 item 4: log streams have a bounded buffer per client. Against a real
// `comfyume-builder serve`, 100 SSE clients that never read a 3 MB log cost the process a
// bounded amount of memory and /healthz keeps answering while a normal client gets every
// line. In process, with short limits: a client that stops reading is disconnected and
// resumes with Last-Event-ID, every line exactly once; the text/plain log escapes control
// characters.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveRss } from "../../../bench/http-helpers.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import { DEFAULT_STREAM_LIMITS } from "../../../builder/src/http/event-stream.js";
import { writeBuildWithLog } from "../../helpers/big-log.js";
import { makeBuildRecord } from "../../helpers/build-record.js";
import {
  READ_TOKEN,
  createBuilderFixture,
  spawnBuilder,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
  type SpawnedBuilder,
} from "../../helpers/builder-server.js";
import { expectResponsive, probeHealth, restingHealthMedian } from "../../helpers/service-probe.js";
import { waitFor } from "../../helpers/wait-for.js";

/** Clients that connect and never read. */
const STALLED = 100;

/** An SSE request on a raw socket that reads nothing until `drain()` is called. */
function stalledClient(url: string, id: string): { socket: Socket; drain(): Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.pause();
  socket.write(
    `GET /v1/builds/${id}/logs HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${READ_TOKEN}\r\n` +
      "Accept: text/event-stream\r\n\r\n",
  );
  return {
    socket,
    drain: () =>
      new Promise((resolve) => {
        const chunks: Buffer[] = [];
        socket.on("data", (c: Buffer) => chunks.push(c));
        socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
        socket.resume();
      }),
  };
}

/** The log ids in an SSE text, in order, and whether it held the final `end` event. */
function parseSse(text: string): { ids: number[]; ended: boolean } {
  const ids = [...text.matchAll(/^event: log\nid: (\d+)\ndata: \{.*\}\n\n/gm)].map((m) => Number(m[1]));
  return { ids, ended: /^event: end\ndata: /m.test(text) };
}

describe("a real serve with 100 stalled SSE clients on a 3 MB log", () => {
  let fx: BuilderFixture;
  let b: SpawnedBuilder;
  beforeAll(async () => {
    fx = await createBuilderFixture();
    b = await spawnBuilder(fx);
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await fx?.cleanup();
  });

  it("stays within a bounded memory growth and answers /healthz; a reading client gets every line", async () => {
    const { id, lines } = await writeBuildWithLog(fx.dataDir, 3_000_000);
    const resting = await restingHealthMedian(b.url);
    const rssBefore = await resolveRss(b.child.pid!);
    const health = probeHealth(b.url);
    const stalled = Array.from({ length: STALLED }, () => stalledClient(b.url, id));
    let peak = rssBefore;
    try {
      const reader = fetch(`${b.url}/v1/builds/${id}/logs`, {
        headers: { authorization: `Bearer ${READ_TOKEN}`, accept: "text/event-stream" },
      }).then(async (r) => parseSse(await r.text()));
      // Long enough for every stalled stream to have filled its buffers.
      for (let i = 0; i < 30; i++) {
        peak = Math.max(peak, await resolveRss(b.child.pid!));
        await new Promise((r) => setTimeout(r, 100));
      }
      const read = await reader;
      expect(read.ids.length).toBe(lines);
      expect(read.ended).toBe(true);
      peak = Math.max(peak, await resolveRss(b.child.pid!));
    } finally {
      for (const s of stalled) s.socket.destroy();
    }
    expectResponsive(await health.stop(), resting);
    // Before the bound: 200 such clients took RSS from 73 to 681 MB (3 MB a client, the
    // whole log each). Now a client holds at most maxBufferedBytes before it is cut off, and
    // the reader's replay plus the GC's slack measured 25 MiB with no stalled client: the
    // growth must stay within that bound, whatever the machine's load does to the GC.
    const growth = peak - rssBefore;
    console.log(
      `${STALLED} stalled SSE clients on a 3 MB log: builder RSS growth ${(growth / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(growth).toBeLessThan(STALLED * DEFAULT_STREAM_LIMITS.maxBufferedBytes + 50 * 2 ** 20);
  }, 120_000);
});

describe("a client that falls behind (in process, short limits)", () => {
  let fx: BuilderFixture;
  let b: InProcessBuilder;
  beforeAll(async () => {
    fx = await createBuilderFixture();
    b = await startBuilder(fx, {
      streamLimits: { highWaterBytes: 16 * 1024, maxBufferedBytes: 64 * 1024, stallMs: 500 },
    });
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await fx?.cleanup();
  });

  it("is disconnected, and resumes from Last-Event-ID with every line exactly once", async () => {
    // Longer than the kernel's socket buffers on loopback can absorb (several MB), so the
    // builder's own buffer fills.
    const { id, lines } = await writeBuildWithLog(fx.dataDir, 24_000_000);
    const client = stalledClient(b.url, id);
    const cut = await waitFor(
      () => b.logs.find((l) => l.msg === "log stream client disconnected" && l.buildId === id),
      { what: "the stalled client to be disconnected", timeoutMs: 20_000 },
    );
    expect(String(cut.reason)).toMatch(/took nothing for 500 ms|fell behind/);
    const first = parseSse(await client.drain());
    expect(first.ended).toBe(false);
    expect(first.ids.length).toBeGreaterThan(0);
    expect(first.ids.length).toBeLessThan(lines);
    expect(first.ids).toEqual(first.ids.map((_, i) => i + 1));
    const last = first.ids.at(-1)!;
    const rest = parseSse(
      await (
        await fetch(`${b.url}/v1/builds/${id}/logs`, {
          headers: {
            authorization: `Bearer ${READ_TOKEN}`,
            accept: "text/event-stream",
            "last-event-id": String(last),
          },
        })
      ).text(),
    );
    expect(rest.ended).toBe(true);
    expect([...first.ids, ...rest.ids]).toEqual(Array.from({ length: lines }, (_, i) => i + 1));
  }, 60_000);

  it("the text/plain log escapes control characters: one stored line is one line", async () => {
    const store = new FileBuildStore(fx.dataDir);
    const id = store.newBuildId();
    await store.create(makeBuildRecord({ id, target: "quick", status: "succeeded" }));
    await store.appendLog(id, [
      { stream: "stdout", line: "\u001b[31mred\u001b[0m" },
      { stream: "stdout", line: "two\nlines\rand a bell\u0007" },
      { stream: "stdout", line: "tab\tstays, C1 \u009b goes" },
    ]);
    const text = await (await fetch(`${b.url}/v1/builds/${id}/logs`, { headers: b.read })).text();
    expect(text).toBe(
      "\\x1b[31mred\\x1b[0m\n" + "two\\nlines\\rand a bell\\x07\n" + "tab\tstays, C1 \\x9b goes\n",
    );
  });
});
