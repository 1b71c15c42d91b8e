// `comfyume-build schedule`: what cron calls for scheduled rebuilds (POST /v1/hooks/schedule).
import type { ScheduleCommand } from "../cli/commands.js";
import { EXIT, type ExitCode } from "../errors.js";
import type { CommandContext } from "./context.js";

export function buildScheduleBody(cmd: Pick<ScheduleCommand, "targets" | "ref">): Record<string, unknown> {
  return {
    ...(cmd.targets.length ? { targets: cmd.targets } : {}),
    ...(cmd.ref !== undefined ? { ref: cmd.ref } : {}),
  };
}

export async function runSchedule(cmd: ScheduleCommand, ctx: CommandContext): Promise<ExitCode> {
  const body = JSON.stringify(buildScheduleBody(cmd));
  const res = await ctx.client.json(
    {
      method: "POST",
      path: "/v1/hooks/schedule",
      headers: { "content-type": "application/json" },
      body: () => body,
      what: "triggering scheduled builds",
    },
    [200, 201, 202],
  );
  if (cmd.json) {
    ctx.out(JSON.stringify(res.body, null, 2) + "\n");
    return EXIT.succeeded;
  }
  const builds = (res.body as { builds?: { id?: string; target?: string; status?: string }[] }).builds ?? [];
  if (builds.length === 0) ctx.out("no scheduled targets; nothing started\n");
  for (const b of builds) ctx.out(`${b.id ?? "?"}\t${b.target ?? "?"}\t${b.status ?? "?"}\n`);
  return EXIT.succeeded;
}
