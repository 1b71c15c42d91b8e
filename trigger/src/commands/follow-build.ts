// Following a started build to its end, shared by `submit`, `retry` and `logs --follow`.
// The events come over SSE (a build already started) or, in serverless mode, from the held
// `POST ?wait=true` that starts it (http/wait.ts); both are rendered by the same code.
import type { BuildRecord } from "../../../common/build-record.js";
import type { PackStats } from "../context/pack.js";
import type { ExitCode } from "../errors.js";
import { exitCodeForRecord } from "../../../common/exit-codes.js";
import type { SendOptions } from "../http/client.js";
import { followLogs, type FollowHandlers } from "../http/follow.js";
import { ProgressRenderer } from "../render/progress.js";
import { buildSummary } from "../render/summary.js";
import type { CommandContext } from "./context.js";

/** A build already started (follow its log), or a request that starts one and is held open. */
export type BuildSource =
  | { kind: "started"; record: BuildRecord }
  | { kind: "id"; id: string }
  | { kind: "wait"; request: SendOptions };

/**
 * Whether a build is bound to the request that starts it (`POST ?wait=true`): `--bind` /
 * `--no-bind` when given, otherwise in serverless mode (SERVERLESS_API_KEY set), where a
 * replica with no request in flight may be scaled down mid-build.
 */
export function shouldBind(flag: boolean | undefined, ctx: Pick<CommandContext, "client">): boolean {
  return flag ?? ctx.client.settings.apiKey !== undefined;
}

export interface FollowBuildOptions {
  /** Only the final record on stdout; progress goes to stderr. */
  json: boolean;
  /** Read at the end: an upload's stats fill in while it is sent. */
  upload?: () => PackStats | undefined;
  /** Print progress notes and the summary (not for `logs --follow`, which prints just the log). */
  summary: boolean;
}

export async function followBuild(
  ctx: CommandContext,
  source: BuildSource,
  options: FollowBuildOptions,
): Promise<ExitCode> {
  const write = options.json ? ctx.err : ctx.out;
  const style = options.json ? ctx.errStyle : ctx.outStyle;
  const progress = new ProgressRenderer(write, style, {
    live: options.summary && (options.json ? ctx.errLive : ctx.outLive),
  });
  const onStarted = (started: BuildRecord) => {
    if (source.kind !== "id") ctx.started?.(started.id);
    if (!options.summary) return;
    const dedup = started.deduplicated ? " (deduplicated: already queued or running)" : "";
    progress.note(`build ${started.id} ${started.status} for target ${started.target}${dedup}`);
    progress.buildStatus(started.status, started, false);
  };
  const handlers: FollowHandlers = {
    onLog: (line) => progress.log(line),
    onStatus: (status, build) => options.summary && progress.buildStatus(status, build),
    onPhase: (phase) => options.summary && progress.phase(phase),
    onReconnect: ({ afterSeq, reason, attempt, fromWait }) =>
      progress.aside(() =>
        ctx.err(
          fromWait
            ? `build stream dropped (${reason}); following the log after line ${afterSeq}\n`
            : `log stream dropped (${reason}); reconnecting after line ${afterSeq} (attempt ${attempt})\n`,
        ),
      ),
  };
  const opts = { signal: ctx.signal };
  let record: BuildRecord;
  try {
    if (source.kind === "wait") {
      const { waitForBuild } = await import("../http/wait.js");
      record = await waitForBuild(ctx.client, source.request, { ...handlers, onStarted }, opts);
    } else {
      if (source.kind === "started") onStarted(source.record);
      const id = source.kind === "started" ? source.record.id : source.id;
      record = await followLogs(ctx.client, id, handlers, opts);
    }
  } finally {
    progress.stop();
  }
  if (options.summary) {
    const upload = options.upload?.();
    write(
      "\n" +
        buildSummary(record, { style, baseUrl: ctx.client.settings.baseUrl, ...(upload ? { upload } : {}) }),
    );
  }
  if (options.json) ctx.out(JSON.stringify(record, null, 2) + "\n");
  return exitCodeForRecord(record);
}
