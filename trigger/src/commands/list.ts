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

export function buildListQuery(
  cmd: Pick<ListCommand, "target" | "status" | "limit" | "cursor">,
): URLSearchParams {
  const q = new URLSearchParams();
  if (cmd.target !== undefined) q.set("target", cmd.target);
  if (cmd.status !== undefined) q.set("status", cmd.status);
  if (cmd.limit !== undefined) q.set("limit", String(cmd.limit));
  if (cmd.cursor !== undefined) q.set("cursor", cmd.cursor);
  return q;
}

/** The command that asks for the page after this one (same filters, the builder's cursor). */
export function describeNextPage(
  cmd: Pick<ListCommand, "target" | "status" | "limit">,
  cursor: string,
): string {
  const words = ["comfyume-build", "list"];
  if (cmd.target !== undefined) words.push("--target", cmd.target);
  if (cmd.status !== undefined) words.push("--status", cmd.status);
  if (cmd.limit !== undefined) words.push("--limit", String(cmd.limit));
  words.push("--cursor", cursor);
  return `more: ${words.join(" ")}\n`;
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
  if (cmd.json) {
    ctx.out(JSON.stringify(parsed.data, null, 2) + "\n");
    return EXIT.OK;
  }
  ctx.out(buildListTable(parsed.data.builds));
  const next = parsed.data.nextCursor;
  // On stderr, so the table on stdout stays one row per build for awk.
  if (next) ctx.err(describeNextPage(cmd, next));
  return EXIT.OK;
}
