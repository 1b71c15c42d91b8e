// Following a started build to its end, shared by `submit`, `retry` and `logs --follow`.
import type { BuildRecord } from "../../../common/build-record.js";
import type { PackStats } from "../context/pack.js";
import type { ExitCode } from "../errors.js";
import { exitCodeForRecord } from "../exit-codes.js";
import { followLogs } from "../http/follow.js";
import { ProgressRenderer } from "../render/progress.js";
import { buildSummary } from "../render/summary.js";
import type { CommandContext } from "./context.js";

export interface FollowBuildOptions {
  /** Only the final record on stdout; progress goes to stderr. */
  json: boolean;
  upload?: PackStats;
  /** Print progress notes and the summary (not for `logs --follow`, which prints just the log). */
  summary: boolean;
  /** The record the build was started with, for the first progress line. */
  started?: BuildRecord;
}

export async function followBuild(
  ctx: CommandContext,
  id: string,
  options: FollowBuildOptions,
): Promise<ExitCode> {
  const write = options.json ? ctx.err : ctx.out;
  const style = options.json ? ctx.errStyle : ctx.outStyle;
  const progress = new ProgressRenderer(write, style);
  const started = options.started;
  if (options.summary && started) {
    const dedup = started.deduplicated ? " (deduplicated: already queued or running)" : "";
    progress.note(`build ${started.id} ${started.status} for target ${started.target}${dedup}`);
  }
  const record = await followLogs(
    ctx.client,
    id,
    {
      onLog: (line) => progress.log(line),
      onStatus: (data) => options.summary && progress.update(data),
      onReconnect: ({ afterSeq, reason, attempt }) =>
        ctx.err(`log stream dropped (${reason}); reconnecting after line ${afterSeq} (attempt ${attempt})\n`),
    },
    { signal: ctx.signal },
  );
  if (options.summary) {
    progress.update(record);
    write(
      "\n" +
        buildSummary(record, {
          style,
          baseUrl: ctx.client.settings.baseUrl,
          ...(options.upload ? { upload: options.upload } : {}),
        }),
    );
  }
  if (options.json) ctx.out(JSON.stringify(record, null, 2) + "\n");
  return exitCodeForRecord(record);
}
