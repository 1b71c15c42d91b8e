// `comfyume-build cancel <id>`: ask the builder to cancel a queued or running build.
import type { CancelCommand } from "../cli/commands.js";
import { EXIT, TriggerError, type ExitCode } from "../errors.js";
import { buildPath, parseRecord, type CommandContext } from "./context.js";

export async function runCancel(cmd: CancelCommand, ctx: CommandContext): Promise<ExitCode> {
  const what = `cancelling build ${cmd.id}`;
  const res = await ctx.client.send({
    method: "POST",
    path: buildPath(cmd.id, "/cancel"),
    headers: { accept: "application/json" },
    what,
  });
  const text = await res.body.text();
  if (res.status === 409) {
    // Already ended: nothing was cancelled, which a script needs to know (exit 1).
    throw new TriggerError(
      "REJECTED",
      `${what}: it has already ended (${conflictMessage(text)})`,
      EXIT.BUILD_FAILED,
    );
  }
  const { json } = await import("./answer.js");
  const record = parseRecord(json(res.status, text, what, [200, 202]), what);
  ctx.out(
    cmd.json
      ? JSON.stringify(record, null, 2) + "\n"
      : `cancel requested for ${record.id} (status ${record.status})\n`,
  );
  return EXIT.OK;
}

function conflictMessage(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? "409 CONFLICT";
  } catch {
    return "409 CONFLICT";
  }
}
