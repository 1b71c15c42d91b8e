// `comfyume-build logs <id> [--follow]`: the whole log so far, or the live stream to the end.
import type { LogsCommand } from "../cli/commands.js";
import { EXIT, type ExitCode } from "../errors.js";
import { errorFromResponse } from "../http/errors.js";
import { buildPath, type CommandContext } from "./context.js";
import { followBuild } from "./follow-build.js";

export async function runLogs(cmd: LogsCommand, ctx: CommandContext): Promise<ExitCode> {
  const what = `reading the log of build ${cmd.id}`;
  if (cmd.follow) {
    return followBuild(ctx, { kind: "id", id: cmd.id }, { json: false, summary: false });
  }
  const res = await ctx.client.send({
    method: "GET",
    path: buildPath(cmd.id, "/logs"),
    headers: { accept: "text/plain" },
    what,
  });
  if (res.status !== 200) throw errorFromResponse(res.status, await res.body.text(), what);
  for await (const chunk of res.body) ctx.out(String(chunk));
  return EXIT.OK;
}
