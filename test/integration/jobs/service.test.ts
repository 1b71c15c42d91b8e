// BuildService behaviour with real processes and a real data dir: cancel (queued,
// running here, running on another replica), timeout, queue limit, queue TTL, dedup,
// idempotency, drain, GitHub push hooks and schedules.
import { afterEach, describe, expect, it } from "vitest";
import type { JobSettings } from "../../../builder/src/jobs/job-context.js";
import { interruptBuild, requeueBuild } from "../../../builder/src/store/record-lifecycle.js";
import { isServiceError } from "../../../builder/src/jobs/service-error.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";
import { makeBuildRecord } from "../../helpers/build-record.js";
import { waitFor } from "../../helpers/wait-for.js";
import { createReplica, makeDataDir } from "./helpers/replica.js";

const api = { kind: "api" } as const;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup(settings: Partial<JobSettings> = {}) {
  const data = await makeDataDir();
  const make = (owner: string) => {
    const s = createReplica(data.dir, owner, settings);
    cleanups.push(() => s.drain(0));
    return s;
  };
  cleanups.push(data.remove);
  return { dir: data.dir, make, store: new FileBuildStore(data.dir) };
}

async function rejection(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isServiceError(err)) throw new Error(`expected a ServiceError, got ${String(err)}`);
  return err;
}

const started = (store: FileBuildStore, id: string) => async () =>
  (await store.readLog(id)).some((l) => l.line === "started");
const SLOW = "echo started; sleep 30";

describe("cancel", () => {
  it("cancels a queued build at once and refuses to cancel it again", async () => {
    const { make } = await setup();
    const a = make("a");
    const { record } = await a.submit({ target: "a" }, { trigger: api });
    expect(await a.cancel(record.id)).toMatchObject({ status: "cancelled", error: { code: "CANCELLED" } });
    expect(await rejection(a.cancel(record.id))).toMatchObject({ code: "CONFLICT", status: 409 });
    expect(await rejection(a.cancel("b_nope"))).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });

  it("kills a build running on this replica", async () => {
    const { make, store } = await setup();
    const a = make("a");
    a.start();
    const { record } = await a.submit({ target: "a", buildArgs: { SCRIPT: SLOW } }, { trigger: api });
    await waitFor(started(store, record.id), { what: "the build to start" });
    await a.cancel(record.id);
    const end = await a.waitForEnd(record.id, AbortSignal.timeout(10_000));
    expect(end).toMatchObject({ status: "cancelled", error: { code: "CANCELLED" } });
  });

  it("cancels a build running on another replica through the data dir", async () => {
    const { make, store } = await setup();
    const a = make("a");
    const b = make("b");
    a.start();
    const { record } = await a.submit({ target: "a", buildArgs: { SCRIPT: SLOW } }, { trigger: api });
    await waitFor(started(store, record.id), { what: "the build to start" });
    await b.cancel(record.id);
    const end = await b.waitForEnd(record.id, AbortSignal.timeout(10_000));
    expect(end).toMatchObject({ status: "cancelled", error: { code: "CANCELLED" } });
  });
});

describe("takeover", () => {
  it("a replica that lost its build to a newer attempt stops and leaves that attempt's record alone", async () => {
    const { make, store } = await setup();
    const a = make("a");
    a.start();
    const { record } = await a.submit({ target: "a", buildArgs: { SCRIPT: SLOW } }, { trigger: api });
    await waitFor(started(store, record.id), { what: "the build to start" });
    await a.stop(); // no new claims: only the running build matters here
    // What another replica's recovery does once A's lease looks expired (A stalled).
    await store.update(record.id, (r) => interruptBuild(r, "lease expired", new Date()));
    await store.update(record.id, (r) => requeueBuild(r));
    await waitFor(() => a.running() === 0, { timeoutMs: 10_000, what: "A to give the build up" });
    expect(await store.get(record.id)).toMatchObject({ status: "queued", attempt: 2 });
  });
});

describe("build ends", () => {
  it("are announced once, by one replica, however the build ended", async () => {
    const data = await makeDataDir();
    cleanups.push(data.remove);
    const ended: Record<string, string[]> = { a: [], b: [] };
    const make = (owner: "a" | "b") => {
      const s = createReplica(
        data.dir,
        owner,
        {},
        {
          onBuildEnded: (r) => ended[owner]!.push(`${r.id}:${r.status}`),
        },
      );
      cleanups.push(() => s.drain(0));
      return s;
    };
    const a = make("a");
    const b = make("b");
    // Ran to success on one of the two replicas.
    a.start();
    b.start();
    const ok = (await a.submit({ target: "a" }, { trigger: api })).record;
    await a.waitForEnd(ok.id, AbortSignal.timeout(10_000));
    // Cancelled while queued (target b's builds wait behind a slow one).
    const slow = (await a.submit({ target: "b", buildArgs: { SCRIPT: SLOW } }, { trigger: api })).record;
    await waitFor(started(new FileBuildStore(data.dir), slow.id), { what: "the slow build to start" });
    const queued = (await b.submit({ target: "b", buildArgs: { SCRIPT: "echo two" } }, { trigger: api }))
      .record;
    await b.cancel(queued.id);
    await a.cancel(slow.id);
    await a.waitForEnd(slow.id, AbortSignal.timeout(10_000));
    const all = () => [...ended.a!, ...ended.b!].sort();
    await waitFor(() => all().length >= 3, { what: "three announcements" });
    expect(all()).toEqual([`${ok.id}:succeeded`, `${slow.id}:cancelled`, `${queued.id}:cancelled`].sort());
  });
});

describe("limits", () => {
  it("stops a build that runs past the build timeout with TIMEOUT", async () => {
    const { make } = await setup({ buildTimeoutMs: 500 });
    const a = make("a");
    a.start();
    const { record } = await a.submit({ target: "a", buildArgs: { SCRIPT: SLOW } }, { trigger: api });
    const end = await a.waitForEnd(record.id, AbortSignal.timeout(10_000));
    expect(end).toMatchObject({ status: "failed", error: { code: "TIMEOUT" } });
  });

  it("answers QUEUE_FULL with Retry-After when the queue is at BUILDER_QUEUE_MAX", async () => {
    const { make } = await setup({ queueMax: 2 });
    const a = make("a");
    await a.submit({ target: "a" }, { trigger: api });
    await a.submit({ target: "b" }, { trigger: api });
    const err = await rejection(a.submit({ target: "c" }, { trigger: api }));
    expect(err).toMatchObject({ code: "QUEUE_FULL", status: 429, retryAfter: 30 });
  });

  it("fails queued builds older than the queue TTL with TIMEOUT", async () => {
    const { make } = await setup({ queueTtlMs: 300 });
    const a = make("a");
    const { record } = await a.submit({ target: "a" }, { trigger: api });
    const { record: other } = await a.submit({ target: "b" }, { trigger: api });
    await a.cancel(other.id);
    // Nothing claims it until the TTL has passed; then a replica's loop expires it.
    await waitFor(() => Date.now() > Date.parse(record.createdAt) + 400, { what: "the queue TTL to pass" });
    const b = make("b");
    b.start();
    const end = await b.waitForEnd(record.id, AbortSignal.timeout(10_000));
    expect(end).toMatchObject({ status: "failed", error: { code: "TIMEOUT" } });
    expect(end.error?.message).toContain("BUILDER_QUEUE_TTL");
  });

  it("rejects unknown targets and refs of path sources with INVALID_REQUEST", async () => {
    const { make } = await setup();
    const a = make("a");
    expect(await rejection(a.submit({ target: "nope" }, { trigger: api }))).toMatchObject({
      code: "INVALID_REQUEST",
      status: 400,
    });
    const err = await rejection(a.submit({ target: "a", ref: "main" }, { trigger: api }));
    expect(err.message).toContain("has no refs");
  });
});

describe("dedup and idempotency", () => {
  it("returns the queued build for an identical request, across replicas", async () => {
    const { make } = await setup();
    const a = make("a");
    const b = make("b");
    const first = await a.submit({ target: "a", buildArgs: { X: "1" } }, { trigger: api });
    const again = await b.submit({ target: "a", buildArgs: { X: "1" } }, { trigger: api });
    expect(again).toMatchObject({ deduplicated: true, record: { id: first.record.id, deduplicated: true } });
    const other = await b.submit({ target: "a", buildArgs: { X: "2" } }, { trigger: api });
    expect(other.deduplicated).toBe(false);
    await a.cancel(first.record.id);
    expect((await b.submit({ target: "a", buildArgs: { X: "1" } }, { trigger: api })).deduplicated).toBe(
      false,
    );
  });

  it("binds an Idempotency-Key to the first build and refuses other params with CONFLICT", async () => {
    const { make } = await setup();
    const a = make("a");
    const b = make("b");
    const first = await a.submit({ target: "a" }, { trigger: api, idempotencyKey: "key-1" });
    await a.cancel(first.record.id);
    const same = await b.submit({ target: "a" }, { trigger: api, idempotencyKey: "key-1" });
    // A replay is answered as the first request was: it created this build.
    expect(same).toMatchObject({ deduplicated: false, record: { id: first.record.id, status: "cancelled" } });
    expect(same.record.deduplicated).toBe(false);
    expect(
      await rejection(b.submit({ target: "b" }, { trigger: api, idempotencyKey: "key-1" })),
    ).toMatchObject({ code: "CONFLICT", status: 409 });
  });

  it("replays a key whose first request joined another build as deduplicated", async () => {
    const { make } = await setup();
    const a = make("a");
    const first = await a.submit({ target: "a", buildArgs: { X: "j" } }, { trigger: api });
    const joinedOnce = await a.submit(
      { target: "a", buildArgs: { X: "j" } },
      { trigger: api, idempotencyKey: "key-j" },
    );
    expect(joinedOnce).toMatchObject({ deduplicated: true, record: { id: first.record.id } });
    const replay = await a.submit(
      { target: "a", buildArgs: { X: "j" } },
      { trigger: api, idempotencyKey: "key-j" },
    );
    expect(replay).toMatchObject({ deduplicated: true, record: { id: first.record.id, deduplicated: true } });
    await a.cancel(first.record.id);
  });
});

describe("drain", () => {
  it("refuses submits and leaves running builds interrupted with attempts left, then another replica finishes them", async () => {
    const { make, store } = await setup();
    const a = make("a");
    a.start();
    const { record } = await a.submit({ target: "a", buildArgs: { SCRIPT: SLOW } }, { trigger: api });
    await waitFor(started(store, record.id), { what: "the build to start" });
    const draining = a.drain(0.2);
    expect(await rejection(a.submit({ target: "b" }, { trigger: api }))).toMatchObject({
      code: "SHUTTING_DOWN",
      status: 503,
    });
    expect(await draining).toEqual({ finished: [], interrupted: [record.id] });
    expect(await store.get(record.id)).toMatchObject({
      status: "interrupted",
      attempt: 1,
      error: { code: "INTERRUPTED" },
    });
    await store.update(record.id, (r) => {
      r.params.buildArgs.SCRIPT = "echo resumed";
    });
    const b = make("b");
    b.start();
    expect(await b.waitForEnd(record.id, AbortSignal.timeout(10_000))).toMatchObject({
      status: "succeeded",
      attempt: 2,
    });
  });
});

describe("hooks", () => {
  const sha = "0123456789abcdef0123456789abcdef01234567";
  const push = (commits: unknown[], extra: Record<string, unknown> = {}) => ({
    ref: "refs/heads/main",
    after: sha,
    repository: { full_name: "acme/app", clone_url: "https://github.com/acme/app.git" },
    commits,
    ...extra,
  });

  it("builds the targets whose watch globs match, once per delivery", async () => {
    const { make } = await setup();
    const a = make("a");
    const res = await a.handleGithubPush({
      deliveryId: "d-1",
      event: "push",
      payload: push([{ modified: ["shared/x.ts"] }, { added: ["web/a.html"] }]),
    });
    expect(res.builds.map((r) => r.target).sort()).toEqual(["api", "web"]);
    expect(res.builds[0]).toMatchObject({
      source: { kind: "git", ref: "main", commit: sha },
      trigger: { kind: "webhook", delivery: "d-1", repository: "acme/app", ref: "refs/heads/main" },
    });
    expect(await a.handleGithubPush({ deliveryId: "d-1", event: "push", payload: push([]) })).toMatchObject({
      builds: [],
      duplicate: true,
    });
    const other = await a.handleGithubPush({
      deliveryId: "d-2",
      event: "push",
      payload: push([{ modified: ["docs/x.md"] }]),
    });
    expect(other.builds).toEqual([]);
    const elsewhere = await a.handleGithubPush({
      deliveryId: "d-3",
      event: "push",
      payload: push([{ modified: ["web/a"] }], { repository: { full_name: "acme/other" } }),
    });
    expect(elsewhere.builds).toEqual([]);
  });

  it("acknowledges and ignores other events and branch deletions", async () => {
    const { make } = await setup();
    const a = make("a");
    expect((await a.handleGithubPush({ deliveryId: "p-1", event: "ping", payload: {} })).ignored).toContain(
      "not a push",
    );
    const deleted = await a.handleGithubPush({
      deliveryId: "p-2",
      event: "push",
      payload: push([{ removed: ["web/a"] }], { after: "0".repeat(40), deleted: true }),
    });
    expect(deleted).toMatchObject({ builds: [] });
    expect(deleted.ignored).toContain("deleted");
    expect(
      await rejection(a.handleGithubPush({ deliveryId: "p-3", event: "push", payload: { ref: "x" } })),
    ).toMatchObject({ code: "INVALID_REQUEST" });
  });

  it("schedules targets with schedule: true, or the named ones", async () => {
    const { make } = await setup();
    const a = make("a");
    const res = await a.schedule({});
    expect(res.builds.map((r) => r.target)).toEqual(["a", "c"]);
    expect(res.builds.every((r) => r.trigger.kind === "schedule")).toBe(true);
    expect((await a.schedule({ targets: ["b"] })).builds.map((r) => r.target)).toEqual(["b"]);
    expect(await rejection(a.schedule({ targets: ["zzz"] }))).toMatchObject({ code: "INVALID_REQUEST" });
  });

  it("retries a build with the same params as a new build", async () => {
    const { make } = await setup();
    const a = make("a");
    const { record } = await a.submit({ target: "b", buildArgs: { Y: "1" } }, { trigger: api });
    await a.cancel(record.id);
    const retry = await a.retry(record.id);
    expect(retry.record).toMatchObject({
      target: "b",
      trigger: { kind: "retry", of: record.id },
      params: { buildArgs: { Y: "1" } },
    });
    expect(retry.record.id).not.toBe(record.id);
  });

  it("a recorded ref that breaks the ref rules (a record from before payload refs were checked) cannot be retried", async () => {
    const { make, store } = await setup();
    const a = make("a");
    const bad = "--output=type=local,dest=/tmp/x\u0001\n";
    await store.create(
      makeBuildRecord({
        id: "b_01OLDWEBHOOK",
        target: "web",
        status: "failed",
        source: { kind: "git", name: "app", ref: bad, commit: sha },
        params: {
          target: "web",
          ref: bad,
          tags: [],
          platforms: ["linux/amd64"],
          buildArgs: {},
          push: true,
          smoke: true,
          noCache: false,
        },
      }),
    );
    const err = await rejection(a.retry("b_01OLDWEBHOOK"));
    expect(err).toMatchObject({ code: "INVALID_REQUEST", status: 400 });
    expect(err.message).toContain("ref: a ref must not start with '-'");
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
    expect((await store.list({ limit: 10 })).builds.map((r) => r.id)).toEqual(["b_01OLDWEBHOOK"]);
  });

  it("a re-sent retry with the same Idempotency-Key returns the same new build", async () => {
    const { make } = await setup();
    const a = make("a");
    const { record } = await a.submit({ target: "b", buildArgs: { Y: "2" } }, { trigger: api });
    await a.cancel(record.id);
    const first = await a.retry(record.id, { idempotencyKey: "retry-key-1" });
    await a.cancel(first.record.id); // ended, so only the key (not dedup) can match
    const again = await a.retry(record.id, { idempotencyKey: "retry-key-1" });
    expect(again.record.id).toBe(first.record.id);
    const other = await a.retry(record.id, { idempotencyKey: "retry-key-2" });
    expect(other.record.id).not.toBe(first.record.id);
  });
});
