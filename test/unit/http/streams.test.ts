import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BuildRecord, Phase } from "../../../common/build-record.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import { ndjsonEventSchema } from "../../../common/stream-events.js";
import { waitFor } from "../../helpers/wait-for.js";
import { api, claimedLine, createTestApp, json, read, type TestApp } from "./test-app.js";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

/** Reads an SSE body frame by frame into `events` until the stream ends. */
async function readSse(res: Response, events: SseEvent[] = []): Promise<SseEvent[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += value;
    let idx: number;
    while ((idx = buf.indexOf("\n\n")) >= 0) {
      const frame = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      const ev: SseEvent = {};
      for (const line of frame.split("\n")) {
        if (line.startsWith(":")) ev.comment = line.slice(1).trim();
        else if (line.startsWith("event: ")) ev.event = line.slice(7);
        else if (line.startsWith("id: ")) ev.id = line.slice(4);
        else if (line.startsWith("data: ")) ev.data = line.slice(6);
      }
      events.push(ev);
    }
  }
  return events;
}

async function newBuild(): Promise<BuildRecord> {
  const res = await t.app.request("/v1/builds", {
    method: "POST",
    headers: { ...api, ...json },
    body: JSON.stringify({ target: "tiny" }),
  });
  return (await res.json()) as BuildRecord;
}

/** The service's first line of every build of target tiny. */
const QUEUED =
  "queued build of target tiny from the directory source local as 127.0.0.1:5001/test/tiny:latest (trigger api)";
const CLAIMED = claimedLine(1);

const lines = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => ({ stream: "stdout" as const, line: `line ${from + i}` }));

describe("GET /v1/builds/:id/logs", () => {
  it("text/plain: the whole log so far, and ?after= skips what the client has", async () => {
    const b = await newBuild();
    await t.store.appendLog(b.id, lines(3));
    expect(await (await t.app.request(`/v1/builds/${b.id}/logs`, { headers: read })).text()).toBe(
      `${QUEUED}\nline 1\nline 2\nline 3\n`,
    );
    expect(await (await t.app.request(`/v1/builds/${b.id}/logs?after=3`, { headers: read })).text()).toBe(
      "line 3\n",
    );
    expect((await t.app.request(`/v1/builds/${b.id}/logs?after=-1`, { headers: read })).status).toBe(400);
  });

  it("SSE: replays, follows live, sends heartbeats and status, ends with the record", async () => {
    const b = await newBuild();
    await t.store.appendLog(b.id, lines(2));
    const res = await t.app.request(`/v1/builds/${b.id}/logs`, {
      headers: { ...read, accept: "text/event-stream" },
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events: SseEvent[] = [];
    const reading = readSse(res, events);
    await waitFor(() => events.some((e) => e.comment === "hb"), { what: "a heartbeat comment" });
    await t.run(b.id);
    await t.store.appendLog(b.id, lines(2, 3));
    await waitFor(() => events.filter((e) => e.event === "log").length === 6, { what: "six log events" });
    await waitFor(() => events.some((e) => e.event === "status" && e.data?.includes('"running"')), {
      what: "status running",
    });
    await t.end(b.id, "succeeded");
    await reading;
    const logs = events.filter((e) => e.event === "log");
    expect(logs.map((e) => e.id)).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(JSON.parse(logs[3]!.data!)).toMatchObject({ seq: 4, stream: "system", line: CLAIMED });
    expect(JSON.parse(logs[4]!.data!)).toMatchObject({ seq: 5, stream: "stdout", line: "line 3" });
    expect(events.some((e) => e.comment === "hb")).toBe(true);
    expect(events.filter((e) => e.event === "status").map((e) => JSON.parse(e.data!).status)).toEqual([
      "queued",
      "running",
    ]);
    const end = events.at(-1)!;
    expect(end.event).toBe("end");
    expect(JSON.parse(end.data!)).toMatchObject({ id: b.id, status: "succeeded" });
  });

  it("SSE: Last-Event-ID resumes after the last line the client saw; an ended build replays and ends at once", async () => {
    const b = await newBuild();
    await t.store.appendLog(b.id, lines(5));
    await t.end(b.id, "failed");
    const res = await t.app.request(`/v1/builds/${b.id}/logs`, {
      headers: { ...read, accept: "text/event-stream", "last-event-id": "3" },
    });
    const events = await readSse(res);
    // Lines 2-6 are the test's, 7 is the service's note of the cancel.
    expect(events.filter((e) => e.event === "log").map((e) => e.id)).toEqual(["4", "5", "6", "7"]);
    expect(events.at(-1)!.event).toBe("end");
    const bad = await t.app.request(`/v1/builds/${b.id}/logs`, {
      headers: { ...read, accept: "text/event-stream", "last-event-id": "x" },
    });
    expect(bad.status).toBe(400);
  });

  it("SSE on an unknown build is 404 in the envelope", async () => {
    const res = await t.app.request("/v1/builds/b_missing/logs", {
      headers: { ...read, accept: "text/event-stream" },
    });
    expect(res.status).toBe(404);
  });
});

/** Moves one phase of a build along through `store`, as the runner does. */
function setPhase(store: FileBuildStore, id: string, name: Phase["name"], status: Phase["status"]) {
  return store.update(id, (r) => {
    const now = new Date().toISOString();
    const p = r.phases.find((x) => x.name === name);
    const next: Phase = {
      name,
      status,
      startedAt: p?.startedAt ?? now,
      finishedAt: status === "running" ? null : now,
      durationMs: status === "running" ? null : 5,
    };
    if (p) Object.assign(p, next);
    else r.phases.push(next);
  });
}

/** `type name/status` or `log line` per event, skipping heartbeats: the order a client sees. */
const sequence = (events: SseEvent[]) =>
  events
    .filter((e) => e.event)
    .map((e) => {
      const d = JSON.parse(e.data!) as Record<string, unknown>;
      if (e.event === "phase") return `phase ${String(d.name)} ${String(d.status)}`;
      if (e.event === "log") return `log ${String(d.line)}`;
      if (e.event === "status") return `status ${String(d.status)}`;
      return `${e.event} ${String(d.status)}`;
    });

/** The phases a build ended before reaching: the service marks them skipped. */
const NOT_REACHED = ["push", "smoke", "tag", "backup"].map((p) => `phase ${p} skipped`);

describe("phase events (SPEC §4)", () => {
  it("SSE: each phase start and end once, after the log lines written before it", async () => {
    const b = await newBuild();
    const res = await t.app.request(`/v1/builds/${b.id}/logs`, {
      headers: { ...read, accept: "text/event-stream" },
    });
    const events: SseEvent[] = [];
    const reading = readSse(res, events);
    await waitFor(() => events.some((e) => e.event === "status"), { what: "the first status" });
    await t.run(b.id);
    await setPhase(t.store, b.id, "source", "running");
    await t.store.appendLog(b.id, [{ stream: "system", line: "fetching" }]);
    await setPhase(t.store, b.id, "source", "succeeded");
    await setPhase(t.store, b.id, "build", "running");
    await t.store.appendLog(b.id, lines(2));
    await setPhase(t.store, b.id, "build", "succeeded");
    await t.end(b.id, "succeeded");
    await reading;
    expect(sequence(events)).toEqual([
      "status queued",
      `log ${QUEUED}`,
      "status running",
      `log ${CLAIMED}`,
      "phase source running",
      "log fetching",
      "phase source succeeded",
      "phase build running",
      "log line 1",
      "log line 2",
      "phase build succeeded",
      ...NOT_REACHED,
      "end succeeded",
    ]);
    const phase = JSON.parse(events.find((e) => e.event === "phase" && e.data!.includes("succeeded"))!.data!);
    expect(Object.keys(phase).sort()).toEqual(["durationMs", "finishedAt", "name", "startedAt", "status"]);
  });

  it("SSE: a build updated by another replica (no in-process notice) still gets its phase events", async () => {
    const b = await newBuild();
    const replica = new FileBuildStore(t.dataDir);
    const res = await t.app.request(`/v1/builds/${b.id}/logs`, {
      headers: { ...read, accept: "text/event-stream" },
    });
    const events: SseEvent[] = [];
    const reading = readSse(res, events);
    await waitFor(() => events.some((e) => e.event === "status"), { what: "the first status" });
    await setPhase(replica, b.id, "source", "running");
    await waitFor(() => sequence(events).includes("phase source running"), { what: "source running" });
    await setPhase(replica, b.id, "source", "succeeded");
    await replica.update(b.id, (r) => {
      r.status = "failed";
      r.finishedAt = new Date().toISOString();
    });
    await reading;
    expect(sequence(events)).toEqual([
      "status queued",
      `log ${QUEUED}`,
      "phase source running",
      "phase source succeeded",
      "end failed",
    ]);
  });

  it("SSE joined mid-way: the first status carries the record, then the phases under way", async () => {
    const b = await newBuild();
    await t.run(b.id);
    await setPhase(t.store, b.id, "source", "succeeded");
    await setPhase(t.store, b.id, "build", "running");
    await t.store.appendLog(b.id, lines(1));
    const res = await t.app.request(`/v1/builds/${b.id}/logs`, {
      headers: { ...read, accept: "text/event-stream" },
    });
    const events: SseEvent[] = [];
    const reading = readSse(res, events);
    await waitFor(() => events.some((e) => e.event === "log"), { what: "the replayed line" });
    await t.service.cancel(b.id);
    await reading;
    expect(sequence(events)).toEqual([
      "status running",
      "phase source succeeded",
      "phase build running",
      `log ${QUEUED}`,
      `log ${CLAIMED}`,
      "log line 1",
      "phase build cancelled",
      ...NOT_REACHED,
      "end cancelled",
    ]);
  });
});

describe("POST /v1/builds?wait=true with Accept: application/x-ndjson", () => {
  it("streams status, log lines and heartbeats, and ends with the final record", async () => {
    const res = await t.app.request("/v1/builds?wait=true", {
      method: "POST",
      headers: { ...api, ...json, accept: "application/x-ndjson" },
      body: JSON.stringify({ target: "tiny" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const id = res.headers.get("location")!.split("/").at(-1)!;
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: Record<string, unknown>[] = [];
    let buf = "";
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buf += value;
        const parts = buf.split("\n");
        buf = parts.pop()!;
        for (const p of parts) events.push(JSON.parse(p) as Record<string, unknown>);
      }
    })();
    await waitFor(() => events.some((e) => e.type === "heartbeat"), { what: "a heartbeat line" });
    await t.run(id);
    await setPhase(t.store, id, "build", "running");
    await t.store.appendLog(id, lines(3));
    await waitFor(() => events.filter((e) => e.type === "log").length === 5, { what: "five log lines" });
    await setPhase(t.store, id, "build", "succeeded");
    await t.end(id, "succeeded");
    await pump;
    expect(events[0]).toMatchObject({ type: "status", status: "queued" });
    expect(events.filter((e) => e.type === "log").map((e) => e.line)).toEqual([
      QUEUED,
      CLAIMED,
      "line 1",
      "line 2",
      "line 3",
    ]);
    const phases = events.filter((e) => e.type === "phase" && e.name === "build");
    expect(phases).toEqual([
      {
        type: "phase",
        name: "build",
        status: "running",
        startedAt: expect.any(String),
        finishedAt: null,
        durationMs: null,
      },
      {
        type: "phase",
        name: "build",
        status: "succeeded",
        startedAt: phases[0]!.startedAt,
        finishedAt: expect.any(String),
        durationMs: 5,
      },
    ]);
    // Every line is a valid event of the shared contract.
    for (const e of events) expect(ndjsonEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    expect(events.indexOf(phases[1]!)).toBeGreaterThan(events.findIndex((e) => e.line === "line 3"));
    expect(events.at(-1)).toMatchObject({ type: "end", build: { id, status: "succeeded" } });
  });
});
