// `comfyume-build list`: builds newest first, as a table or JSON.
import { z } from "zod";
import { buildRecordSchema } from "../../../common/build-record.js";
import type { ListCommand } from "../cli/commands.js";
import { EXIT, TriggerError, type ExitCode } from "../errors.js";
import { buildListTable } from "../render/tables.js";
import type { CommandContext } from "./context.js";

const listSchema = z.object({
  builds: z.array(buildRecordSchema),
  nextCursor: z.string().nullable().optional(),
});

export function buildListQuery(cmd: Pick<ListCommand, "target" | "status" | "limit">): URLSearchParams {
  const q = new URLSearchParams();
  if (cmd.target !== undefined) q.set("target", cmd.target);
  if (cmd.status !== undefined) q.set("status", cmd.status);
  if (cmd.limit !== undefined) q.set("limit", String(cmd.limit));
  return q;
}

export async function runList(cmd: ListCommand, ctx: CommandContext): Promise<ExitCode> {
  const what = "listing builds";
  const res = await ctx.client.json({ method: "GET", path: "/v1/builds", query: buildListQuery(cmd), what });
  const parsed = listSchema.safeParse(res.body);
  if (!parsed.success) {
    throw new TriggerError(
      "PROTOCOL",
      `${what}: the answer is not {"builds": [...]}: ${parsed.error.message.slice(0, 300)}`,
    );
  }
  ctx.out(cmd.json ? JSON.stringify(parsed.data, null, 2) + "\n" : buildListTable(parsed.data.builds));
  return EXIT.OK;
}
