// Two real `comfyume-builder serve` processes on one data dir, as serverless replicas
// behind a load balancer: a build submitted to A is listed by B and followed live through
// B; kill -9 of A mid-build → B marks it interrupted and runs attempt 2 to success with
// no record or log line lost; SIGTERM drains as specified and exits 0.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import {
  createBuilderFixture,
  spawnBuilder,
  type BuilderFixture,
  type SpawnedBuilder,
} from "../../helpers/builder-server.js";
import { waitFor } from "../../helpers/wait-for.js";

let fx: BuilderFixture;
const started: SpawnedBuilder[] = [];
beforeAll(async () => {
  fx = await createBuilderFixture();
});
afterEach(async () => {
  for (const r of started.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
    await r.exited;
  }
});
afterAll(() => fx?.cleanup());

async function spawnReplica(env: Record<string, string> = {}): Promise<SpawnedBuilder> {
  const r = await spawnBuilder(fx, { env });
  started.push(r);
  return r;
}
async function submitSlow(r: SpawnedBuilder, lines: number, delay: string): Promise<BuildRecord> {
  const res = await fetch(`${r.url}/v1/builds`, {
    method: "POST",
    headers: { ...r.api, "content-type": "application/json" },
    body: JSON.stringify({
      target: "slow",
      smoke: false,
      buildArgs: { NONCE: `${Date.now()}`, LINES: String(lines), DELAY: delay },
    }),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as BuildRecord;
}
const claimedBy = (r: SpawnedBuilder, id: string) =>
  r.logs.some((l) => l.msg === "build claimed" && l.buildId === id);
const getRecord = async (r: SpawnedBuilder, id: string) =>
  (await (await fetch(`${r.url}/v1/builds/${id}`, { headers: r.read })).json()) as BuildRecord;

interface Sse {
  events: { event: string; id?: string; data: string }[];
  done: Promise<void>;
}
/** Follows a build's SSE log through one replica, collecting events until `end`. */
function followSse(r: SpawnedBuilder, id: string): Sse {
  const events: Sse["events"] = [];
  const done = (async () => {
    const res = await fetch(`${r.url}/v1/builds/${id}/logs`, {
      headers: { ...r.read, accept: "text/event-stream" },
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { done: eof, value } = await reader.read();
      if (eof) return;
      buf += value;
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.*)$/m.exec(frame)?.[1];
        if (!ev) continue;
        const idm = /^id: (.*)$/m.exec(frame)?.[1];
        events.push({ event: ev, data: /^data: (.*)$/m.exec(frame)?.[1] ?? "", ...(idm ? { id: idm } : {}) });
      }
    }
  })();
  return { events, done };
}

describe("two replicas on one data dir", () => {
  it("A's build is listed and followed live by B; kill -9 of A → B interrupts it, runs attempt 2 to success, nothing lost", async () => {
    const a = await spawnReplica();
    const rec = await submitSlow(a, 40, "0.25");
    await waitFor(() => claimedBy(a, rec.id), { timeoutMs: 30_000, what: "A to claim the build" });
    const b = await spawnReplica();
    const listed = (await (await fetch(`${b.url}/v1/builds`, { headers: b.read })).json()) as {
      builds: BuildRecord[];
    };
    expect(listed.builds.map((x) => x.id)).toContain(rec.id);
    const sse = followSse(b, rec.id);
    await waitFor(
      () => sse.events.filter((e) => e.event === "log" && e.data.includes("slow line 3 ")).length > 0,
      {
        timeoutMs: 60_000,
        what: "B to stream A's live log lines",
      },
    );
    const seenBeforeKill = sse.events
      .filter((e) => e.event === "log")
      .map((e) => JSON.parse(e.data) as { seq: number; line: string });
    a.child.kill("SIGKILL");
    await a.exited;
    await sse.done;
    const end = sse.events.at(-1)!;
    expect(end.event).toBe("end");
    const final = JSON.parse(end.data) as BuildRecord;
    expect(final).toMatchObject({ id: rec.id, status: "succeeded", attempt: 2 });
    expect(claimedBy(b, rec.id)).toBe(true);
    // B told its follower about the second attempt (interrupted, then requeued and run again).
    const attempts = sse.events
      .filter((e) => e.event === "status")
      .map((e) => (JSON.parse(e.data) as { build: BuildRecord }).build.attempt);
    expect(attempts).toContain(2);
    // Every line written is still there, in order, seqs contiguous; SSE got each exactly once.
    const log = await (
      await fetch(`${b.url}/v1/builds/${rec.id}/logs?after=0`, {
        headers: { ...b.read, accept: "text/plain" },
      })
    ).text();
    for (const l of seenBeforeKill) expect(log).toContain(l.line);
    const ids = sse.events.filter((e) => e.event === "log").map((e) => Number(e.id));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    expect(log.trimEnd().split("\n")).toHaveLength(ids.length);
    expect(log).toContain("slow line 40 of 40");
  });

  it("SIGTERM with a running build: new builds get 503 SHUTTING_DOWN + Retry-After, readyz 503, the build finishes, exit 0", async () => {
    const c = await spawnReplica({ BUILDER_DRAIN_SECONDS: "60" });
    const rec = await submitSlow(c, 12, "0.25");
    await waitFor(() => claimedBy(c, rec.id), { timeoutMs: 30_000, what: "the replica to claim the build" });
    c.child.kill("SIGTERM");
    await waitFor(() => c.logs.some((l) => String(l.msg).startsWith("shutting down")), {
      what: "shutdown to start",
    });
    const refused = await fetch(`${c.url}/v1/builds`, {
      method: "POST",
      headers: { ...c.api, "content-type": "application/json" },
      body: JSON.stringify({ target: "quick" }),
    });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("SHUTTING_DOWN");
    expect((await fetch(`${c.url}/readyz`)).status).toBe(503);
    const exit = await c.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const d = await spawnReplica();
    expect((await getRecord(d, rec.id)).status).toBe("succeeded");
  });

  it("SIGTERM whose drain runs out leaves the build interrupted; another replica runs attempt 2", async () => {
    const c = await spawnReplica({ BUILDER_DRAIN_SECONDS: "1" });
    const rec = await submitSlow(c, 40, "0.25");
    await waitFor(() => claimedBy(c, rec.id), { timeoutMs: 30_000, what: "the replica to claim the build" });
    c.child.kill("SIGTERM");
    expect(await c.exited).toEqual({ code: 0, signal: null });
    const d = await spawnReplica();
    const final = await waitFor(
      async () => {
        const r = await getRecord(d, rec.id);
        return r.status === "succeeded" || r.status === "failed" ? r : undefined;
      },
      { timeoutMs: 120_000, what: "attempt 2 on the other replica" },
    );
    expect(final).toMatchObject({ status: "succeeded", attempt: 2 });
  });
});
