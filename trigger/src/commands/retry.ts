// `comfyume-build retry <id>`: a new build with the same parameters, followed like submit.
import { randomUUID } from "node:crypto";
import type { RetryCommand } from "../cli/commands.js";
import { EXIT, type ExitCode } from "../errors.js";
import { buildPath, parseRecord, type CommandContext } from "./context.js";
import type { SendOptions } from "../http/client.js";
import { followBuild, shouldBind } from "./follow-build.js";

export async function runRetry(cmd: RetryCommand, ctx: CommandContext): Promise<ExitCode> {
  const what = `retrying build ${cmd.id}`;
  const request: SendOptions = {
    method: "POST",
    path: buildPath(cmd.id, "/retry"),
    // The key makes a POST re-sent after a dropped connection safe where the builder honours it.
    headers: { "idempotency-key": `cli-${randomUUID()}` },
    what,
  };
  const follow = { json: cmd.json, summary: true };
  if (!cmd.detach && shouldBind(cmd.bind, ctx)) {
    // Asks for the bound stream; a builder whose retry route answers with the record
    // instead is followed over SSE (http/wait.ts).
    return followBuild(ctx, { kind: "wait", request }, follow);
  }
  const record = parseRecord((await ctx.client.json(request, [200, 201, 202])).body, what);
  if (cmd.detach) {
    ctx.out(`${record.id}\n`);
    return EXIT.OK;
  }
  return followBuild(ctx, { kind: "started", record }, follow);
}
