// What every command gets from main.ts: the client, the output streams and styles.
import { buildRecordSchema, type BuildRecord } from "../../../common/build-record.js";
import { TriggerError } from "../errors.js";
import type { BuilderClient } from "../http/client.js";
import type { Style } from "../render/style.js";

export interface CommandContext {
  client: BuilderClient;
  out(text: string): void;
  err(text: string): void;
  /** Style for stdout and for stderr (each is coloured only if it is a terminal). */
  outStyle: Style;
  errStyle: Style;
  /** Whether stdout / stderr is a terminal that can redraw a line (live timers). */
  outLive?: boolean;
  errLive?: boolean;
  cwd: string;
  signal: AbortSignal;
  /** Called with the id of the build this command started, once the builder said it (Ctrl-C names it). */
  started?(id: string): void;
}

/** A build record from the builder, or a protocol error naming what did not match. */
export function parseRecord(body: unknown, what: string): BuildRecord {
  const r = buildRecordSchema.safeParse(body);
  if (!r.success) {
    throw new TriggerError(
      "PROTOCOL",
      `${what}: the answer is not a build record: ${r.error.message.slice(0, 300)}`,
    );
  }
  return r.data;
}

export function buildPath(id: string, suffix = ""): string {
  return `/v1/builds/${encodeURIComponent(id)}${suffix}`;
}
