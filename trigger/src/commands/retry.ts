// `comfyume-build retry <id>`: a new build with the same parameters, followed like submit.
import { randomUUID } from "node:crypto";
import type { RetryCommand } from "../cli/commands.js";
import { EXIT, type ExitCode } from "../errors.js";
import { buildPath, parseRecord, type CommandContext } from "./context.js";
import { followBuild } from "./follow-build.js";

export async function runRetry(cmd: RetryCommand, ctx: CommandContext): Promise<ExitCode> {
  const what = `retrying build ${cmd.id}`;
  const res = await ctx.client.json(
    // The key makes a POST re-sent after a dropped connection safe where the builder honours it.
    {
      method: "POST",
      path: buildPath(cmd.id, "/retry"),
      headers: { "idempotency-key": `cli-${randomUUID()}` },
      what,
    },
    [200, 201, 202],
  );
  const record = parseRecord(res.body, what);
  if (cmd.detach) {
    ctx.out(`${record.id}\n`);
    return EXIT.succeeded;
  }
  return followBuild(ctx, record.id, { json: cmd.json, summary: true, started: record });
}
