// `comfyume-build status <id>`: one build's summary (or record with --json).
import type { StatusCommand } from "../cli/commands.js";
import type { ExitCode } from "../errors.js";
import { exitCodeForStatusQuery } from "../../../common/exit-codes.js";
import { buildSummary } from "../render/summary.js";
import { buildPath, parseRecord, type CommandContext } from "./context.js";

export async function runStatus(cmd: StatusCommand, ctx: CommandContext): Promise<ExitCode> {
  const what = `reading build ${cmd.id}`;
  const res = await ctx.client.json({ method: "GET", path: buildPath(cmd.id), what });
  const record = parseRecord(res.body, what);
  ctx.out(
    cmd.json
      ? JSON.stringify(record, null, 2) + "\n"
      : buildSummary(record, { style: ctx.outStyle, baseUrl: ctx.client.settings.baseUrl }),
  );
  return exitCodeForStatusQuery(record);
}
