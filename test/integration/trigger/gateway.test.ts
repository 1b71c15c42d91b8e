// Through a stand-in of the Verda serverless gateway (a real proxy: 404 without a dc_ key,
// 503 while cold, long responses cut after a few seconds), a build with quiet multi-second
// steps is followed to the end: every log line printed exactly once, the right exit code.
// With SERVERLESS_API_KEY the build is bound to its POST (?wait=true, NDJSON): a recording
// proxy between the gateway and the builder shows that request open while the build runs.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
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
import { startGatewayStandIn, type GatewayStandIn } from "../../helpers/gateway-stand-in.js";
import { startRecordingProxy, type RecordingProxy } from "./recording-proxy.js";
import { cli, countLines } from "./trigger-fixture.js";

let fx: BuilderFixture;
let builder: InProcessBuilder;
let cwd: string;
const gateways: GatewayStandIn[] = [];
const recorders: RecordingProxy[] = [];

beforeAll(async () => {
  fx = await createBuilderFixture();
  // Heartbeats every 15 s as in production: the quiet steps below are shorter, so only
  // the gateway's cuts (not heartbeats) break the stream.
  builder = await startBuilder(fx, { heartbeatMs: 15_000 });
  cwd = await mkdtemp(path.join(os.tmpdir(), "trigger-gw-"));
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  for (const r of recorders) await r.close();
  await builder?.stop();
  await fx?.cleanup();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

async function gateway(coldMs: number, cutAfterMs: number, upstream = builder.url): Promise<GatewayStandIn> {
  const g = await startGatewayStandIn({ upstream, coldMs, cutAfterMs });
  gateways.push(g);
  return g;
}

/** A gateway whose requests to the builder are recorded. */
async function recordedGateway(coldMs: number, cutAfterMs: number) {
  const recorder = await startRecordingProxy(builder.url);
  recorders.push(recorder);
  return { gw: await gateway(coldMs, cutAfterMs, recorder.url), recorder };
}

const isWaitPost = (r: { method: string; url: string; accept: string }) =>
  r.method === "POST" && r.url === "/v1/builds?wait=true" && r.accept === "application/x-ndjson";

describe("through the Verda gateway stand-in", () => {
  it("waits out the cold start, survives cut streams, prints each line once, exits 0", async () => {
    const { gw, recorder } = await recordedGateway(3000, 2500);
    const nonce = randomUUID().slice(0, 8);
    const env = {
      BUILDER_URL: gw.url,
      BUILDER_TOKEN: API_TOKEN,
      SERVERLESS_API_KEY: "dc_test_inference_key",
    };
    const r = await cli(
      [
        "submit",
        "slow",
        `--build-arg=NONCE=${nonce}`,
        "--build-arg",
        "LINES=4",
        "--build-arg",
        "DELAY=2",
        "--no-push",
        "--json",
      ],
      { env, cwd },
    );
    expect(r.code).toBe(0);
    expect(buildRecordSchema.parse(JSON.parse(r.stdout)).status).toBe("succeeded");
    // Cold start: told on stderr, and the gateway really answered 503.
    expect(r.stderr).toMatch(/builder at \S+ not ready \(HTTP 503: "no healthy upstream"\); retrying in/);
    expect(gw.stats.coldRejections).toBeGreaterThan(0);
    // Serverless mode: the build was started by one bound POST (the cold-start 503s never
    // reached the builder), its NDJSON stream was cut, and the log was followed over SSE.
    expect(recorder.requests.filter((q) => q.method === "POST")).toHaveLength(1);
    expect(recorder.requests.filter(isWaitPost)).toHaveLength(1);
    expect(r.stderr).toMatch(/build stream dropped \(.*\); following the log after line \d+/);
    // Cut streams: the CLI reconnected and resumed.
    expect(gw.stats.cuts).toBeGreaterThan(1);
    expect(r.stderr).toMatch(/log stream dropped .*; reconnecting after line \d+/);
    // Every line of the build, exactly once.
    const counts = countLines(r.stderr, new RegExp(`slow line \\d+ of 4 \\(${nonce}\\)`));
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4].map((i) => `slow line ${i} of 4 (${nonce})`));
    expect([...counts.values()]).toEqual([1, 1, 1, 1]);
    // And the whole log, as the builder stored it, was printed with the same multiplicity
    // (buildx itself repeats some lines, e.g. a FROM step's start and DONE).
    const full = await cli(["logs", JSON.parse(r.stdout).id as string], { env, cwd });
    const tally = (lines: string[]) =>
      lines.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
    const stored = tally(full.stdout.split("\n").filter((l) => l));
    const printed = tally(r.stderr.split("\n"));
    for (const [line, n] of stored) expect(printed.get(line), line).toBe(n);
    // The key went in Authorization and the builder token in X-Builder-Token.
    expect(
      gw.stats.seen.every(
        (s) => s.authorization === "Bearer dc_test_inference_key" && s.builderToken === API_TOKEN,
      ),
    ).toBe(true);
  });

  it("in serverless mode keeps the build's POST open while the build runs, all events on it", async () => {
    const { gw, recorder } = await recordedGateway(0, 120_000);
    const nonce = randomUUID().slice(0, 8);
    const env = { BUILDER_URL: gw.url, BUILDER_TOKEN: API_TOKEN, SERVERLESS_API_KEY: "dc_test_key" };
    let openWhileRunning: { method: string; url: string; accept: string }[] | undefined;
    const r = await cli(
      [
        "submit",
        "slow",
        `--build-arg=NONCE=${nonce}`,
        "--build-arg=LINES=3",
        "--build-arg=DELAY=1",
        "--no-push",
      ],
      {
        env,
        cwd,
        // Mid-build (line 2 printed, line 3 a second away): which requests are open now?
        onStdout: (soFar) => {
          if (!openWhileRunning && soFar.includes(`slow line 2 of 3 (${nonce})`)) {
            openWhileRunning = recorder
              .inFlight()
              .map(({ method, url, accept }) => ({ method, url, accept }));
          }
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(openWhileRunning?.filter(isWaitPost)).toHaveLength(1);
    // The same renderer as the SSE path: start note, phases, each line once, summary.
    expect(r.stdout).toMatch(/==> build \S+ queued for target slow/);
    expect(r.stdout).toMatch(/==> build succeeded in /);
    const counts = countLines(r.stdout, new RegExp(`slow line \\d+ of 3 \\(${nonce}\\)`));
    expect([...counts.values()]).toEqual([1, 1, 1]);
    const id = /Build (\S+) succeeded in /.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    // Nothing else was needed: no SSE follow, and the POST ended only after the build did.
    expect(recorder.requests.some((q) => q.url.includes("/logs"))).toBe(false);
    const status = await cli(["status", id!, "--json"], { env, cwd });
    const finishedAt = Date.parse(buildRecordSchema.parse(JSON.parse(status.stdout)).finishedAt!);
    const post = recorder.requests.find(isWaitPost)!;
    expect(post.startedAt).toBeLessThanOrEqual(finishedAt);
    expect(post.endedAt).toBeGreaterThanOrEqual(finishedAt);
    expect(gw.stats.cuts).toBe(0);

    // retry in serverless mode asks for the bound stream too; today's builder answers its
    // retry route with the record, and the CLI follows that build over SSE instead.
    const retried = await cli(["retry", id!, "--json"], { env, cwd });
    expect(retried.code, retried.stderr).toBe(0);
    const again = buildRecordSchema.parse(JSON.parse(retried.stdout));
    expect(again.trigger).toEqual({ kind: "retry", of: id });
    expect(
      countLines(retried.stderr, new RegExp(`slow line \\d+ of 3 \\(${nonce}\\)`)).size,
    ).toBeLessThanOrEqual(3);
    expect(
      recorder.requests.some(
        (q) => q.method === "POST" && q.url.startsWith(`/v1/builds/${id}/retry?wait=true`),
      ),
    ).toBe(true);
  });

  it("exits 5 with a hint when the gateway answers 404 (no inference key)", async () => {
    const gw = await gateway(0, 60_000);
    const r = await cli(["targets"], { env: { BUILDER_URL: gw.url, BUILDER_TOKEN: API_TOKEN }, cwd });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/HTTP 404 .*SERVERLESS_API_KEY/);
    expect(gw.stats.notFound).toBe(1);
  });
});
