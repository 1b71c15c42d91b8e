// Listening and shutting down (SPEC §7 SIGTERM): stop taking builds (503 SHUTTING_DOWN
// with Retry-After, /readyz 503), let running builds finish for the drain period, then
// the service leaves what is left `interrupted` for another replica, the server closes
// (open log streams included) and `done` resolves so main can exit 0.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Logger } from "../logging/logger.js";

type FetchApp = { fetch: (request: Request) => Response | Promise<Response> };
export interface Drainable {
  /** Waits up to `seconds` for running builds, then interrupts what is left. */
  drain(seconds: number): Promise<unknown>;
  stop(): Promise<unknown> | void;
}

export interface ListenOptions {
  /** What createApp returns: anything with a fetch handler. */
  app: FetchApp;
  host: string;
  port: number;
  logger: Logger;
  service: Drainable;
  drainSeconds: number;
  /** Flipped to true at the start of shutdown; the app reads it for 503s. */
  markShuttingDown: () => void;
  /** Install SIGTERM/SIGINT handlers (serve does; in-process tests call shutdown()). */
  handleSignals?: boolean;
}

export interface RunningServer {
  server: Server;
  host: string;
  port: number;
  url: string;
  /** Starts the graceful shutdown (idempotent) and resolves when it is complete. */
  shutdown(reason?: string): Promise<void>;
  /** Resolves once the server has shut down, whatever started it. */
  done: Promise<void>;
}

function listenOn(app: FetchApp, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, () =>
      resolve(server as Server),
    ) as Server;
    server.once("error", reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Live SSE/NDJSON streams would hold close() open forever; their clients reconnect elsewhere.
    server.closeAllConnections();
  });
}

export async function startListening(opts: ListenOptions): Promise<RunningServer> {
  const server = await listenOn(opts.app, opts.host, opts.port);
  // Streams stay open for hours (wait mode); Node's default 5 min request timeout would cut them.
  server.requestTimeout = 0;
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let shutting: Promise<void> | undefined;

  const shutdown = (reason = "shutdown requested"): Promise<void> => {
    shutting ??= (async () => {
      opts.markShuttingDown();
      opts.logger.info("shutting down: no new builds, draining running ones", {
        reason,
        drainSeconds: opts.drainSeconds,
      });
      try {
        await opts.service.drain(opts.drainSeconds);
      } catch (err) {
        opts.logger.error("drain failed; leftover builds stay for another replica's lease check", { err });
      }
      await opts.service.stop();
      await closeServer(server);
      opts.logger.info("shut down");
      resolveDone();
    })();
    return shutting;
  };

  if (opts.handleSignals) {
    const onSignal = (sig: NodeJS.Signals) => void shutdown(`received ${sig}`);
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    void done.then(() => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    });
  }
  opts.logger.info("listening", { host: address.address, port: address.port });
  return {
    server,
    host: address.address,
    port: address.port,
    url: `http://${hostForUrl}:${address.port}`,
    shutdown,
    done,
  };
}
