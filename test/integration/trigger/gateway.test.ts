// Through a stand-in of the Verda serverless gateway (a real proxy: 404 without a dc_ key,
// 503 while cold, long responses cut after a few seconds), a build with quiet multi-second
// steps is followed to the end: every log line printed exactly once, the right exit code.
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
import { cli, countLines } from "./trigger-fixture.js";

let fx: BuilderFixture;
let builder: InProcessBuilder;
let cwd: string;
const gateways: GatewayStandIn[] = [];

beforeAll(async () => {
  fx = await createBuilderFixture();
  // Heartbeats every 15 s as in production: the quiet steps below are shorter, so only
  // the gateway's cuts (not heartbeats) break the stream.
  builder = await startBuilder(fx, { heartbeatMs: 15_000 });
  cwd = await mkdtemp(path.join(os.tmpdir(), "trigger-gw-"));
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  await builder?.stop();
  await fx?.cleanup();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

async function gateway(coldMs: number, cutAfterMs: number): Promise<GatewayStandIn> {
  const g = await startGatewayStandIn({ upstream: builder.url, coldMs, cutAfterMs });
  gateways.push(g);
  return g;
}

describe("through the Verda gateway stand-in", () => {
  it("waits out the cold start, survives cut streams, prints each line once, exits 0", async () => {
    const gw = await gateway(3000, 2500);
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
    expect(r.stderr).toMatch(/builder not ready \(HTTP 503: "no healthy upstream"\); retrying in/);
    expect(gw.stats.coldRejections).toBeGreaterThan(0);
    // Cut streams: the CLI reconnected and resumed.
    expect(gw.stats.cuts).toBeGreaterThan(0);
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

  it("exits 5 with a hint when the gateway answers 404 (no inference key)", async () => {
    const gw = await gateway(0, 60_000);
    const r = await cli(["targets"], { env: { BUILDER_URL: gw.url, BUILDER_TOKEN: API_TOKEN }, cwd });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/HTTP 404 .*SERVERLESS_API_KEY/);
    expect(gw.stats.notFound).toBe(1);
  });
});
