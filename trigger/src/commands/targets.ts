// `comfyume-build targets`: what the builder can build.
import type { TargetsCommand } from "../cli/commands.js";
import { EXIT, type ExitCode } from "../errors.js";
import { buildTargetsTable, normalizeTargets } from "../render/tables.js";
import type { CommandContext } from "./context.js";

export async function runTargets(cmd: TargetsCommand, ctx: CommandContext): Promise<ExitCode> {
  const res = await ctx.client.json({ method: "GET", path: "/v1/targets", what: "listing targets" });
  ctx.out(
    cmd.json ? JSON.stringify(res.body, null, 2) + "\n" : buildTargetsTable(normalizeTargets(res.body)),
  );
  return EXIT.OK;
}
