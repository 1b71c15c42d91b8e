// A stand-in for the Verda serverless gateway (containers.datacrunch.io), placed between
// the trigger CLI and a real builder: a real HTTP reverse proxy that
//  - mounts the builder under a deployment path (`/<deployment>/...`),
//  - answers 404 without `Authorization: Bearer dc_...` (as Verda does for a missing key),
//  - answers 503 while "cold" (the first `coldMs` after it starts),
//  - cuts any response still open after `cutAfterMs` (Verda's request timeout, a
//    replica going away), by destroying the client socket mid-body.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface GatewayOptions {
  /** The builder's base URL, e.g. http://127.0.0.1:40123 */
  upstream: string;
  deployment?: string;
  coldMs?: number;
  cutAfterMs?: number;
}

export interface GatewayStats {
  requests: number;
  notFound: number;
  coldRejections: number;
  cuts: number;
  /** Authorization and X-Builder-Token values seen on proxied requests. */
  seen: { authorization?: string; builderToken?: string }[];
}

export interface GatewayStandIn {
  /** What BUILDER_URL should be: http://127.0.0.1:<port>/<deployment> */
  url: string;
  stats: GatewayStats;
  close(): Promise<void>;
}

export async function startGatewayStandIn(options: GatewayOptions): Promise<GatewayStandIn> {
  const deployment = options.deployment ?? "comfyume-builder";
  const upstream = new URL(options.upstream);
  const startedAt = Date.now();
  const stats: GatewayStats = { requests: 0, notFound: 0, coldRejections: 0, cuts: 0, seen: [] };
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    stats.requests++;
    const prefix = `/${deployment}`;
    const auth = req.headers.authorization ?? "";
    if (!req.url?.startsWith(prefix + "/") || !/^Bearer dc_\S+$/.test(auth)) {
      stats.notFound++;
      return drainAndAnswer(req, res, 404, "404 page not found\n");
    }
    if (Date.now() - startedAt < (options.coldMs ?? 0)) {
      stats.coldRejections++;
      return drainAndAnswer(req, res, 503, "no healthy upstream\n");
    }
    const builderToken = req.headers["x-builder-token"];
    stats.seen.push({ authorization: auth, ...(typeof builderToken === "string" ? { builderToken } : {}) });
    proxy(req, res, upstream, req.url.slice(prefix.length), options.cutAfterMs, stats);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/${deployment}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function drainAndAnswer(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  // Read the request body away so a client streaming an upload sees the answer, not a reset.
  req.resume();
  req.on("end", () => res.writeHead(status, { "content-type": "text/plain" }).end(text));
}

function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  path: string,
  cutAfterMs: number | undefined,
  stats: GatewayStats,
): void {
  const up = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path,
      headers: { ...req.headers, host: upstream.host },
    },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    },
  );
  up.on("error", () => {
    if (!res.headersSent)
      res.writeHead(502, { "content-type": "text/plain" }).end("upstream connect error\n");
    else res.destroy();
  });
  req.pipe(up);
  if (cutAfterMs !== undefined) {
    const timer = setTimeout(() => {
      if (res.writableEnded) return;
      stats.cuts++;
      // Like a gateway timeout on a long response: the connection just goes away.
      up.destroy();
      res.destroy();
    }, cutAfterMs);
    res.on("close", () => clearTimeout(timer));
  }
}
