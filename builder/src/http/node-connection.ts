// The Node side of a request under @hono/node-server (`c.env.incoming` / `c.env.outgoing`),
// for the two things a web Response cannot do: read the request body as a Node stream
// (uploads) and drop a connection at once (a stream client that fell behind).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";
import type { HttpSettings } from "./deps.js";
import type { StreamLimits } from "./event-stream.js";

interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

/** The Node request, when the app runs under @hono/node-server (not through app.request). */
export function resolveIncoming(c: Context): IncomingMessage | undefined {
  return (c.env as NodeBindings | undefined)?.incoming;
}

/** Destroys the client's connection; undefined outside @hono/node-server. */
export function resolveConnectionCloser(c: Context): (() => void) | undefined {
  const outgoing = (c.env as NodeBindings | undefined)?.outgoing;
  return outgoing ? () => outgoing.destroy() : undefined;
}

/** A stream's limits and the way to drop its connection when it falls behind. */
export function streamConnection(
  c: Context,
  settings: HttpSettings,
): { destroyConnection?: () => void; limits?: Partial<StreamLimits> } {
  const destroy = resolveConnectionCloser(c);
  return {
    ...(destroy ? { destroyConnection: destroy } : {}),
    ...(settings.streamLimits ? { limits: settings.streamLimits } : {}),
  };
}
