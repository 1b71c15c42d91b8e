// `comfyume-build schedule`: what cron calls for scheduled rebuilds (POST /v1/hooks/schedule).
import type { ScheduleCommand } from "../cli/commands.js";
import { EXIT, type ExitCode } from "../errors.js";
import type { CommandContext } from "./context.js";

export function buildScheduleBody(
  cmd: Pick<ScheduleCommand, "targets" | "ref"> & { changedOnly?: boolean },
): Record<string, unknown> {
  return {
    ...(cmd.targets.length ? { targets: cmd.targets } : {}),
    ...(cmd.ref !== undefined ? { ref: cmd.ref } : {}),
    ...(cmd.changedOnly ? { changedOnly: true } : {}),
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
    return EXIT.OK;
  }
  const answer = res.body as {
    builds?: { id?: string; target?: string; status?: string }[];
    skipped?: { target?: string; reason?: string }[];
    ignored?: string;
  };
  const builds = answer.builds ?? [];
  for (const b of builds) ctx.out(`${b.id ?? "?"}\t${b.target ?? "?"}\t${b.status ?? "?"}\n`);
  for (const s of answer.skipped ?? []) ctx.out(`skipped\t${s.target ?? "?"}\t${oneLine(s.reason ?? "")}\n`);
  if (builds.length === 0 && !answer.skipped?.length)
    ctx.out(`nothing started: ${oneLine(answer.ignored ?? "no scheduled targets")}\n`);
  return EXIT.OK;
}

/** A reason from the server on one log line (cron appends to a log file). */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}
