// `comfyume-builder run <target>`: one build in-process, no server — for cron on a CPU
// instance, Verda job deployments and local use. It goes through the same job layer as
// the service (same records, leases and logs on BUILDER_DATA_DIR) but claims only its
// own build.
import { hostname } from "node:os";
import { exitCodeForRecord, type ExitCode } from "../../../common/exit-codes.js";
import type { BuilderEnv } from "../config/env.js";
import { BuildService } from "../jobs/build-service.js";
import { buildJobSettings } from "../jobs/job-context.js";
import { createRuntime } from "../runtime.js";
import { followBuild } from "../http/build-events.js";
import { describeRunEvent, renderBuildSummary } from "./build-summary.js";
import type { RunOptions } from "./command-line.js";

export async function runCommand(
  env: BuilderEnv,
  processEnv: NodeJS.ProcessEnv,
  opts: RunOptions,
): Promise<ExitCode> {
  const rt = await createRuntime(env, processEnv);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  // Set once the build exists; until then the loop claims nothing.
  const mine: { id?: string } = {};
  const service = new BuildService({
    store: rt.store,
    config: rt.config.config,
    dataDir: rt.dataDir,
    executor: rt.runner,
    settings: buildJobSettings(env, { concurrency: 1 }),
    resolveRef: rt.resolveRef,
    owner: `run-${hostname()}-${process.pid}`,
    claimFilter: (record) => record.id === mine.id,
    onBuildEnded: rt.onBuildEnded,
    capabilities: rt.runnerDeps.capabilities,
    uploads: rt.uploads,
    scratchRoot: rt.scratchRoot,
    cache: rt.cacheStore,
  });
  if (rt.config.bundled) err(`comfyume-builder: no config file; using the bundled example ${rt.config.file}`);
  // Loaded only for --context: the tar and upload modules are a noticeable part of start-up.
  const upload = opts.contextDir
    ? await (
        await import("./ingest-directory.js")
      ).ingestDirectory(opts.contextDir, rt.uploads, env.BUILDER_MAX_UPLOAD_BYTES)
    : undefined;
  if (upload) err(`context: ${upload.files} files, ${upload.bytes} bytes (sha256 ${upload.sha256})`);
  const { record, deduplicated } = await service.submit(opts.request, {
    trigger: { kind: "cli" },
    ...(upload ? { upload } : {}),
  });
  mine.id = record.id;
  err(
    deduplicated
      ? `build ${record.id}: an identical build is already ${record.status}; following it`
      : `build ${record.id}: ${record.target} -> ${record.tags.join(", ")}`,
  );
  const stop = new AbortController();
  const onSignal = () => {
    err("comfyume-builder: cancelling the build");
    void service.cancel(record.id).catch(() => undefined); // it may have ended already; the record tells
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  service.start();
  // The same events a client of the service sees: log lines and phase changes, each once.
  const following = followBuild({
    service,
    store: rt.store,
    id: record.id,
    afterSeq: 0,
    heartbeatMs: 3_600_000,
    signal: stop.signal,
    emit: (event) => {
      const line = describeRunEvent(event);
      if (line !== undefined) err(line);
    },
  });
  try {
    const final = await service.waitForEnd(record.id, stop.signal);
    // Let the follower print the last events (it ends by itself with the end event).
    await following.catch(() => undefined);
    for (const line of renderBuildSummary(final)) err(line);
    if (opts.json) process.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
    return exitCodeForRecord(final);
  } finally {
    stop.abort();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await service.stop();
    // Build-end notifications go out in the background; a one-shot process must not exit before them (bounded).
    await rt.notifications.close();
  }
}
