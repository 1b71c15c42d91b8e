// Prometheus metrics (SPEC §4 /metrics). One registry per app so tests and replicas in
// one process never share counters. Queue depth, running builds and cache bytes are read
// at scrape time from whoever knows them (the jobs layer), so they are never stale.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { BuildRecord } from "../../../common/build-record.js";

export interface MetricsSource {
  queueDepth(): number | Promise<number>;
  running(): number | Promise<number>;
  /** Bytes of each target's exported cache. */
  cacheBytes(): Record<string, number> | Promise<Record<string, number>>;
  /** Data dir and per-build scratch bytes, as last measured by the sweeper (null: not yet). */
  diskBytes?(): { dataDirBytes: number | null; scratchBytes: number | null };
}

export interface HttpMetrics {
  readonly registry: Registry;
  observeRequest(route: string, method: string, status: number, ms: number): void;
  /** Counts a build that ended: status, phase durations, smoke failures. */
  observeBuildEnd(record: BuildRecord): void;
  setSource(source: MetricsSource): void;
  /** An event stream (SSE or NDJSON) opened / closed: while one is open a serverless replica stays up. */
  streamOpened(format: string): void;
  streamClosed(format: string): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): HttpMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "builder_" }); // builder_process_cpu_seconds_total, ...
  let source: MetricsSource | undefined;
  const requests = new Counter({
    name: "builder_http_requests_total",
    help: "HTTP requests by route, method and status.",
    labelNames: ["route", "method", "status"],
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: "builder_http_request_duration_seconds",
    help: "HTTP request duration by route (streams count until their end).",
    labelNames: ["route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const builds = new Counter({
    name: "builder_builds_total",
    help: "Builds that ended, by target and status.",
    labelNames: ["target", "status"],
    registers: [registry],
  });
  const phases = new Histogram({
    name: "builder_phase_duration_seconds",
    help: "Build phase durations by target, phase and outcome.",
    labelNames: ["target", "phase", "status"],
    buckets: [0.5, 1, 5, 15, 60, 300, 900, 1800, 3600],
    registers: [registry],
  });
  const smokeFailures = new Counter({
    name: "builder_smoke_failures_total",
    help: "Failed smoke tests by target.",
    labelNames: ["target"],
    registers: [registry],
  });
  const streams = new Gauge({
    name: "builder_open_streams",
    help: "Event streams (SSE logs, NDJSON waits) open now; each keeps a serverless replica running.",
    labelNames: ["format"],
    registers: [registry],
  });
  new Gauge({
    name: "builder_queue_depth",
    help: "Builds waiting in this replica's queue.",
    registers: [registry],
    async collect() {
      this.set(source ? await source.queueDepth() : 0);
    },
  });
  new Gauge({
    name: "builder_running_builds",
    help: "Builds running on this replica.",
    registers: [registry],
    async collect() {
      this.set(source ? await source.running() : 0);
    },
  });
  new Gauge({
    name: "builder_cache_bytes",
    help: "Bytes of each target's build cache.",
    labelNames: ["target"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [target, n] of Object.entries(source ? await source.cacheBytes() : {}))
        this.set({ target }, n);
    },
  });
  const disk = (key: "dataDirBytes" | "scratchBytes") =>
    async function collect(this: Gauge) {
      const value = source?.diskBytes?.()[key];
      if (value === null || value === undefined) this.reset();
      else this.set(value);
    };
  new Gauge({
    name: "builder_data_dir_bytes",
    help: "Bytes under BUILDER_DATA_DIR (records, logs, uploaded contexts), measured by the sweep.",
    registers: [registry],
    collect: disk("dataDirBytes"),
  });
  new Gauge({
    name: "builder_scratch_bytes",
    help: "Bytes of per-build scratch (clones, DOCKER_CONFIG, OCI layouts) on local disk, measured by the sweep.",
    registers: [registry],
    collect: disk("scratchBytes"),
  });
  return {
    registry,
    setSource(s) {
      source = s;
    },
    observeRequest(route, method, status, ms) {
      requests.inc({ route, method, status: String(status) });
      requestSeconds.observe({ route }, ms / 1000);
    },
    streamOpened(format) {
      streams.inc({ format });
    },
    streamClosed(format) {
      streams.dec({ format });
    },
    observeBuildEnd(record) {
      builds.inc({ target: record.target, status: record.status });
      for (const p of record.phases) {
        if (p.durationMs !== null)
          phases.observe({ target: record.target, phase: p.name, status: p.status }, p.durationMs / 1000);
      }
      if (record.smoke && record.smoke.failed > 0)
        smokeFailures.inc({ target: record.target }, record.smoke.failed);
    },
  };
}
