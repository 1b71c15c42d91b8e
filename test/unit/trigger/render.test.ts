import { describe, expect, it, vi } from "vitest";
import { buildRecordSchema, type BuildRecord } from "../../../common/build-record.js";
import type { PhaseEvent } from "../../../common/stream-events.js";
import { makeFinishedGitRecord } from "../../helpers/build-record.js";
import { formatBytes, formatDuration, formatTable, shortDigest } from "../../../trigger/src/render/format.js";
import { ProgressRenderer } from "../../../trigger/src/render/progress.js";
import { buildStyle, shouldUseColor } from "../../../trigger/src/render/style.js";
import { buildSummary } from "../../../trigger/src/render/summary.js";
import { buildListTable, buildTargetsTable, normalizeTargets } from "../../../trigger/src/render/tables.js";

function record(over: Partial<BuildRecord> = {}): BuildRecord {
  return buildRecordSchema.parse(
    makeFinishedGitRecord({
      phases: [
        { name: "source", status: "succeeded", startedAt: "a", finishedAt: "b", durationMs: 400 },
        { name: "build", status: "succeeded", startedAt: "a", finishedAt: "b", durationMs: 8123 },
        { name: "backup", status: "skipped", startedAt: null, finishedAt: null, durationMs: null },
      ],
      smoke: {
        passed: 1,
        failed: 1,
        results: [
          { name: "imports", passed: true, durationMs: 950 },
          { name: "cuda", passed: false, durationMs: 12, message: "torch.version.cuda is None" },
        ],
      },
      createdAt: "2026-11-23T01:00:00.123Z",
      startedAt: "2026-11-23T01:00:01.000Z",
      finishedAt: "2026-11-23T01:00:13.500Z",
      ...over,
    }),
  );
}

const plain = buildStyle(false);

describe("formatters", () => {
  it.each([
    [null, "-"],
    [950, "950 ms"],
    [8123, "8.1 s"],
    [125_000, "2m05s"],
    [3_725_000, "1h02m"],
  ])("formatDuration(%j) = %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
  it.each([
    [0, "0 B"],
    [1536, "1.5 KiB"],
    [500 * 1024 ** 2, "500 MiB"],
  ])("formatBytes(%i) = %s", (b, text) => expect(formatBytes(b)).toBe(text));
  it("shortens digests", () => expect(shortDigest("sha256:" + "ab".repeat(32))).toBe("sha256:abababababab"));
  it("pads table columns", () => expect(formatTable(["A", "BB"], [["xxx", "y"]])).toBe("A    BB\nxxx  y\n"));
});

describe("shouldUseColor", () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [undefined, {}, false],
    [true, { NO_COLOR: "1" }, false],
    [true, { TERM: "dumb" }, false],
    [false, { FORCE_COLOR: "1" }, true],
    [true, { NO_COLOR: "" }, true],
  ])("tty=%s env=%j -> %s", (tty, env, expected) => expect(shouldUseColor(tty, env)).toBe(expected));
  it("writes no escape codes when plain", () => {
    expect(buildSummary(record(), { style: plain, baseUrl: "http://b" })).not.toContain("\x1b[");
    expect(buildSummary(record(), { style: buildStyle(true), baseUrl: "http://b" })).toContain("\x1b[");
  });
});

describe("buildSummary", () => {
  it("shows status, digest, tags, smoke results, durations and the log", () => {
    const text = buildSummary(record(), { style: plain, baseUrl: "http://b" });
    expect(text).toContain("Build b_01TEST succeeded in 12.5 s");
    expect(text).toContain("git comfyume@v0.11.0 (3382f4a01234)");
    expect(text).toMatch(/digest\s+sha256:abab/);
    expect(text).toContain("ghcr.io/ahelme/comfyume-worker:sha-3382f4a");
    expect(text).toContain("source 400 ms, build 8.1 s, backup skipped");
    expect(text).toContain("1 passed, 1 failed");
    expect(text).toContain("PASS imports (950 ms)");
    expect(text).toContain("FAIL cuda (12 ms): torch.version.cuda is None");
    expect(text).toContain("comfyume-build logs b_01TEST  (http://b/v1/builds/b_01TEST/logs)");
  });
  it("shows the upload and the error", () => {
    const text = buildSummary(
      record({
        status: "failed",
        source: { kind: "upload", sha256: "cd".repeat(32), bytes: 2048 },
        error: { code: "BUILD_FAILED", message: "RUN false: exit 1" },
      }),
      { style: plain, baseUrl: "http://b", upload: { files: 3, contentBytes: 4096, sentBytes: 300 } },
    );
    expect(text).toContain("sent 3 files, 4.0 KiB (300 B gzipped)");
    expect(text).toContain("error   BUILD_FAILED: RUN false: exit 1");
  });
  it("says when the upload went stored because the link outran compression", () => {
    const compression = "stored: the link took 420 MiB/s uncompressed, compressing managed 250 MiB/s";
    const text = buildSummary(record({ source: { kind: "upload", sha256: "cd".repeat(32), bytes: 2048 } }), {
      style: plain,
      baseUrl: "http://b",
      upload: { files: 3, contentBytes: 4096, sentBytes: 4200, compression },
    });
    expect(text).toContain(`sent 3 files, 4.0 KiB (4.1 KiB gzip, ${compression})`);
  });
});

describe("ProgressRenderer", () => {
  const phase = (name: string, status: PhaseEvent["status"], over: Partial<PhaseEvent> = {}): PhaseEvent => ({
    name,
    status,
    startedAt: status === "pending" ? null : "2026-11-23T01:00:01.000Z",
    durationMs: status === "running" || status === "pending" ? null : 2000,
    ...over,
  });

  it("prints log lines as they are and each phase change once, in the order they came", () => {
    let out = "";
    const r = new ProgressRenderer((t) => (out += t), plain);
    r.buildStatus("queued");
    r.buildStatus("running");
    r.buildStatus("running");
    r.phase(phase("build", "running"));
    r.log({ seq: 1, ts: "t", stream: "stdout", line: "#1 building" });
    r.phase(phase("build", "running"));
    r.phase(phase("build", "succeeded"));
    r.phase(phase("tag", "running"));
    r.phase(phase("tag", "failed", { message: "the registry said no" }));
    r.phase(phase("backup", "skipped", { startedAt: null, message: "not reached" }));
    // A phase that starts only to skip itself is one line.
    r.phase(phase("smoke", "running"));
    r.phase(phase("smoke", "skipped", { message: "no smoke file" }));
    r.phase(phase("push", "running"));
    r.stop();
    expect(out).toBe(
      [
        "==> build queued",
        "==> build running",
        "==> build started",
        "#1 building",
        "==> build succeeded in 2.0 s",
        // A phase this trigger has never heard of is shown like any other.
        "==> tag started",
        // The failure's message is the build's error, shown once in the summary.
        "==> tag failed in 2.0 s",
        "==> smoke skipped (no smoke file)",
        // Still running when following stopped: its start is not lost.
        "==> push started",
        "",
      ].join("\n"),
    );
  });

  it("a phase that runs silently has its start shown after a moment", () => {
    vi.useFakeTimers();
    try {
      let out = "";
      const r = new ProgressRenderer((t) => (out += t), plain);
      r.phase(phase("smoke", "running"));
      expect(out).toBe("");
      vi.advanceTimersByTime(300);
      expect(out).toBe("==> smoke started\n");
    } finally {
      vi.useRealTimers();
    }
  });

  it("on a terminal keeps a footer with running timers below the lines, cleared before each write", () => {
    let out = "";
    let now = Date.parse("2026-11-23T01:00:05.000Z");
    const r = new ProgressRenderer((t) => (out += t), plain, { live: true, now: () => now, tickMs: 60_000 });
    const started = { ...makeFinishedGitRecord(), startedAt: "2026-11-23T01:00:00.000Z" };
    r.buildStatus("running", buildRecordSchema.parse(started));
    r.phase(phase("build", "running"));
    out = "";
    now += 7000;
    r.log({ seq: 1, ts: "t", stream: "stdout", line: "step 1" });
    // The phase's start is shown with its first line (the footer was already counting).
    expect(out).toBe(
      "\r\x1b[2K==> build started\n\r\x1b[2K… build 11 s · total 12 s" +
        "\r\x1b[2Kstep 1\n\r\x1b[2K… build 11 s · total 12 s",
    );
    out = "";
    r.phase(phase("build", "succeeded"));
    r.stop();
    expect(out).toBe("\r\x1b[2K==> build succeeded in 2.0 s\n\r\x1b[2K… total 12 s\r\x1b[2K");
  });
});

describe("tables", () => {
  it("lists builds", () => {
    const text = buildListTable([
      record(),
      record({ id: "b_2", status: "failed", error: { code: "SMOKE_FAILED", message: "x" }, digest: null }),
    ]);
    expect(text.split("\n")[0]).toMatch(/^ID\s+TARGET\s+STATUS\s+TRIGGER\s+CREATED\s+DURATION\s+DIGEST$/);
    expect(text).toContain("failed (SMOKE_FAILED)");
    expect(text).toContain("2026-11-23T01:00:00Z");
  });
  it("shows how long a build that has not ended has been at it", () => {
    const now = Date.parse("2026-11-23T01:04:06.000Z");
    const running = record({
      id: "b_r",
      status: "running",
      finishedAt: null,
      durationMs: null,
      digest: null,
    });
    const queued = record({
      id: "b_q",
      status: "queued",
      startedAt: null,
      finishedAt: null,
      durationMs: null,
    });
    const text = buildListTable([running, queued], now);
    expect(text).toMatch(/b_r .* running 4m05s/);
    expect(text).toMatch(/b_q .* queued 4m05s/);
    expect(buildSummary(running, { style: plain, baseUrl: "http://b", now })).toMatch(
      /^Build b_r running for 4m05s so far\n/,
    );
    expect(buildSummary(queued, { style: plain, baseUrl: "http://b", now })).toMatch(
      /^Build b_q queued for 4m05s so far\n/,
    );
    expect(buildSummary(record(), { style: plain, baseUrl: "http://b", now })).toMatch(
      /^Build \S+ succeeded in 12\.5 s\n/,
    );
  });
  it.each([
    [{ targets: [{ name: "worker", image: "ghcr.io/a/w", platforms: ["linux/amd64"], source: "comfyume" }] }],
    [{ targets: { worker: { image: "ghcr.io/a/w", platforms: ["linux/amd64"], source: "comfyume" } } }],
    [[{ name: "worker", image: "ghcr.io/a/w", platforms: ["linux/amd64"], source: "comfyume" }]],
  ])("normalizes targets %j", (body) => {
    expect(buildTargetsTable(normalizeTargets(body))).toBe(
      "NAME    IMAGE        PLATFORMS    SOURCE\nworker  ghcr.io/a/w  linux/amd64  comfyume\n",
    );
  });
});
