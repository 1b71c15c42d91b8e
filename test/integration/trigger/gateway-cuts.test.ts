// The Verda gateway may cut a request at any point (the provider sets no request deadline
// we can rely on). Through the gateway stand-in, one request is cut before the builder's
// answer reaches the CLI, right after its headers, or in the middle of a log line, for
// `submit` in serverless mode (the build's own POST ?wait=true, NDJSON) and for
// `logs --follow` (SSE). Each time: one build only (a POST whose answer was lost is sent
// again with the same Idempotency-Key), every log line printed exactly as often as the
// builder stored it, and the exit code of the build's outcome.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRecordSchema, type BuildRecord } from "../../../common/build-record.js";
import {
  API_TOKEN,
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { startGatewayStandIn, type CutPoint, type GatewayStandIn } from "../../helpers/gateway-stand-in.js";
import { startRecordingProxy, type RecordingProxy } from "./recording-proxy.js";
import { cli, countLines } from "./trigger-fixture.js";

let fx: BuilderFixture;
let builder: InProcessBuilder;
let cwd: string;
const closers: (GatewayStandIn | RecordingProxy)[] = [];

beforeAll(async () => {
  fx = await createBuilderFixture();
  builder = await startBuilder(fx, { heartbeatMs: 15_000 });
  cwd = await mkdtemp(path.join(os.tmpdir(), "trigger-cuts-"));
});
afterAll(async () => {
  for (const c of closers) await c.close();
  await builder?.stop();
  await fx?.cleanup();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const KEY = "dc_test_inference_key";
const direct = () => ({ BUILDER_URL: builder.url, BUILDER_TOKEN: API_TOKEN });

/** A gateway in front of a recorder in front of the builder, cutting one matching request at `at`. */
async function cuttingGateway(match: (r: { method: string; path: string }) => boolean, at: CutPoint) {
  const recorder = await startRecordingProxy(builder.url);
  const gw = await startGatewayStandIn({ upstream: recorder.url, cuts: [{ match, at }] });
  closers.push(gw, recorder);
  return { gw, recorder, env: { BUILDER_URL: gw.url, BUILDER_TOKEN: API_TOKEN, SERVERLESS_API_KEY: KEY } };
}

/** The stored log's lines, each printed as often as the builder stored it. */
async function expectEachStoredLinePrinted(id: string, printed: string, exact: boolean) {
  const full = await cli(["logs", id], { env: direct(), cwd });
  expect(full.code).toBe(0);
  const tally = (lines: string[]) =>
    lines.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const stored = tally(full.stdout.split("\n").filter((l) => l));
  const got = tally(printed.split("\n").filter((l) => l));
  expect(stored.size).toBeGreaterThan(0);
  for (const [line, n] of stored) expect(got.get(line), line).toBe(n);
  if (exact) expect([...got.keys()].filter((l) => !stored.has(l))).toEqual([]);
}

async function buildsWithNonce(nonce: string): Promise<BuildRecord[]> {
  const r = await cli(["list", "--limit", "50", "--json"], { env: direct(), cwd });
  expect(r.code, r.stderr).toBe(0);
  const all = (JSON.parse(r.stdout) as { builds: unknown[] }).builds.map((b) => buildRecordSchema.parse(b));
  return all.filter((b) => b.params.buildArgs.NONCE === nonce);
}

const slowArgs = (nonce: string) => [
  `--build-arg=NONCE=${nonce}`,
  "--build-arg=LINES=3",
  "--build-arg=DELAY=1",
];
const slowLine = (nonce: string) => new RegExp(`slow line \\d+ of 3 \\(${nonce}\\)`);
const isWaitPost = (r: { method: string; path: string }) =>
  r.method === "POST" && r.path === "/v1/builds?wait=true";

describe("submit in serverless mode, its POST ?wait=true cut by the gateway", () => {
  const cases: [string, (nonce: string) => CutPoint][] = [
    ["before the answer's headers", () => "before-headers"],
    ["right after the headers", () => "after-headers"],
    ["in the middle of a log line", (nonce) => ({ midText: `slow line 2 of 3 (${nonce})` })],
  ];
  it.each(cases)("%s: one build, each line once, exit 0", async (_name, at) => {
    const nonce = randomUUID().slice(0, 8);
    const { gw, recorder, env } = await cuttingGateway(isWaitPost, at(nonce));
    const r = await cli(["submit", "slow", ...slowArgs(nonce), "--no-push"], { env, cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(gw.stats.ruleCuts).toHaveLength(1);
    const builds = await buildsWithNonce(nonce);
    expect(builds).toHaveLength(1);
    expect(builds[0]!.status).toBe("succeeded");
    // Every POST that reached the builder carried the same key: a re-sent POST names the
    // build the first one created.
    const posts = recorder.requests.filter((q) => q.method === "POST");
    expect(posts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(posts.map((p) => p.idempotencyKey)).size).toBe(1);
    expect(posts[0]!.idempotencyKey).not.toBe("");
    // The CLI's own build, not someone else's it joined.
    expect(r.stdout).not.toContain("deduplicated");
    expect([...countLines(r.stdout, slowLine(nonce)).values()]).toEqual([1, 1, 1]);
    await expectEachStoredLinePrinted(builds[0]!.id, r.stdout, false);
  });

  it("before the answer's headers, the POST is sent again: the builder saw it twice, one build", async () => {
    const nonce = randomUUID().slice(0, 8);
    const { recorder, env } = await cuttingGateway(isWaitPost, "before-headers");
    const r = await cli(["submit", "slow", ...slowArgs(nonce), "--no-push", "--json"], { env, cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/builder at \S+ not ready \(UND_ERR_SOCKET: .*\); retrying in/);
    const waits = recorder.requests.filter((q) => q.method === "POST" && q.url === "/v1/builds?wait=true");
    expect(waits).toHaveLength(2);
    const record = buildRecordSchema.parse(JSON.parse(r.stdout));
    expect(record.status).toBe("succeeded");
    expect(record.deduplicated).not.toBe(true);
    expect((await buildsWithNonce(nonce)).map((b) => b.id)).toEqual([record.id]);
  });

  it("unbound (the POST answered with the record, then SSE), a POST cut before its answer: one build, its own", async () => {
    const nonce = randomUUID().slice(0, 8);
    const { recorder, gw } = await cuttingGateway(
      (r) => r.method === "POST" && r.path === "/v1/builds",
      "before-headers",
    );
    // --no-bind: the POST is answered at once with the record, the log follows over SSE.
    const r = await cli(["submit", "slow", ...slowArgs(nonce), "--no-push", "--no-bind"], {
      env: { BUILDER_URL: gw.url, BUILDER_TOKEN: API_TOKEN, SERVERLESS_API_KEY: KEY },
      cwd,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(recorder.requests.filter((q) => q.method === "POST")).toHaveLength(2);
    const builds = await buildsWithNonce(nonce);
    expect(builds).toHaveLength(1);
    expect(r.stdout).toMatch(new RegExp(`build ${builds[0]!.id} (queued|running) for target slow`));
    expect(r.stdout).not.toContain("deduplicated");
    expect([...countLines(r.stdout, slowLine(nonce)).values()]).toEqual([1, 1, 1]);
  });

  it("a failing build cut mid-stream still exits 1, its lines once", async () => {
    const { gw, env } = await cuttingGateway(isWaitPost, { midText: "about to fail" });
    const r = await cli(["submit", "fail", "--no-push"], { env, cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(gw.stats.ruleCuts).toHaveLength(1);
    expect(r.stderr).toMatch(/build stream dropped \(.*\); following the log after line \d+/);
    const id = /Build (\S+) failed/.exec(r.stdout)?.[1];
    expect(id, r.stdout).toBeDefined();
    await expectEachStoredLinePrinted(id!, r.stdout, false);
  });
});

describe("logs --follow, its SSE stream cut by the gateway", () => {
  const cases: [string, string, number, (nonce: string) => CutPoint][] = [
    ["before the answer's headers", "slow", 0, () => "before-headers"],
    ["right after the headers", "slow", 0, () => "after-headers"],
    ["in the middle of a log line", "slow", 0, (nonce) => ({ midText: `slow line 2 of 3 (${nonce})` })],
    ["in the middle of a failing build's line", "fail", 1, () => ({ midText: "about to fail" })],
  ];
  it.each(cases)("%s (%s): each line once, exit %i", async (_name, target, code, at) => {
    const nonce = randomUUID().slice(0, 8);
    const args = target === "slow" ? slowArgs(nonce) : [];
    const started = await cli(["submit", target, ...args, "--no-push", "--detach"], { env: direct(), cwd });
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const { gw, env } = await cuttingGateway(
      (r) => r.method === "GET" && r.path.startsWith(`/v1/builds/${id}/logs`),
      at(nonce),
    );
    const r = await cli(["logs", id, "--follow"], { env, cwd });
    expect(r.code, r.stderr).toBe(code);
    expect(gw.stats.ruleCuts).toHaveLength(1);
    if (target === "slow") expect([...countLines(r.stdout, slowLine(nonce)).values()]).toEqual([1, 1, 1]);
    // logs --follow prints the log and nothing else: exactly the stored lines.
    await expectEachStoredLinePrinted(id, r.stdout, true);
  });
});
