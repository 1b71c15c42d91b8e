// A stand-in for the Verda serverless gateway (containers.datacrunch.io), placed between
// the trigger CLI and a real builder: a real HTTP reverse proxy that
//  - mounts the builder under a deployment path (`/<deployment>/...`),
//  - answers 404 without `Authorization: Bearer dc_...` (as Verda does for a missing key),
//  - answers 503 while "cold" (the first `coldMs` after it starts),
//  - holds each request `holdMs` before passing it on (a gateway queueing requests while
//    a replica starts),
//  - cuts any response still open after `cutAfterMs` (Verda's request timeout, a
//    replica going away), by destroying the client socket mid-body,
//  - and cuts chosen requests at a chosen point (`cuts`): before the answer's headers
//    (the builder did answer, the client never hears it), right after them, or in the
//    middle of the body, half-way through a given text.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface GatewayOptions {
  /** The builder's base URL, e.g. http://127.0.0.1:40123 */
  upstream: string;
  deployment?: string;
  coldMs?: number;
  holdMs?: number;
  cutAfterMs?: number;
  cuts?: CutRule[];
}

/** Where a cut happens: the request always reaches the builder, the answer does not all come back. */
export type CutPoint = "before-headers" | "after-headers" | { midText: string };

export interface CutRule {
  /** Which requests (path as the builder sees it, e.g. `/v1/builds?wait=true`). */
  match: (req: { method: string; path: string }) => boolean;
  at: CutPoint;
  /** How many matching requests to cut (default 1). */
  times?: number;
}

export interface GatewayStats {
  requests: number;
  notFound: number;
  coldRejections: number;
  cuts: number;
  /** The `cuts` rules applied, in order: `<point> <METHOD> <path>`. */
  ruleCuts: string[];
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
  const stats: GatewayStats = {
    requests: 0,
    notFound: 0,
    coldRejections: 0,
    cuts: 0,
    ruleCuts: [],
    seen: [],
  };
  const rules = (options.cuts ?? []).map((rule) => ({ rule, left: rule.times ?? 1 }));
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
    const path = req.url.slice(prefix.length);
    const hit = rules.find((r) => r.left > 0 && r.rule.match({ method: req.method ?? "", path }));
    if (hit) {
      hit.left--;
      stats.ruleCuts.push(`${describeCut(hit.rule.at)} ${req.method} ${path}`);
    }
    const go = () => proxy(req, res, upstream, path, { ...options, cut: hit?.rule.at }, stats);
    if (options.holdMs) setTimeout(go, options.holdMs);
    else go();
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

function describeCut(at: CutPoint): string {
  return typeof at === "string" ? at : `mid-body at ${JSON.stringify(at.midText)}`;
}

function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  path: string,
  how: { cutAfterMs?: number | undefined; cut?: CutPoint | undefined },
  stats: GatewayStats,
): void {
  // Like a gateway losing the connection: both sides just go away, no status, no error page.
  const cutNow = () => {
    stats.cuts++;
    up.destroy();
    res.destroy();
  };
  const up = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path,
      headers: { ...req.headers, host: upstream.host },
    },
    (upRes) => {
      if (how.cut === "before-headers") return cutNow();
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (how.cut === "after-headers") {
        res.flushHeaders();
        // Once the headers are on the wire (written to the socket), the connection goes.
        res.socket?.write("", () => cutNow());
        return;
      }
      const cut = how.cut;
      if (cut === undefined) return void upRes.pipe(res);
      let seen = "";
      let cutting = false;
      upRes.setEncoding("utf8");
      upRes.on("data", (chunk: string) => {
        if (cutting || res.destroyed) return;
        const at = (seen + chunk).indexOf(cut.midText);
        if (at < 0) {
          seen = (seen + chunk).slice(-cut.midText.length);
          res.write(chunk);
          return;
        }
        // Half of the text goes out, then the connection drops mid-line.
        const end = at - seen.length + Math.ceil(cut.midText.length / 2);
        cutting = true;
        res.write(chunk.slice(0, Math.max(0, end)), () => cutNow());
      });
      upRes.on("end", () => cutting || res.end());
    },
  );
  up.on("error", () => {
    if (res.destroyed) return;
    if (!res.headersSent)
      res.writeHead(502, { "content-type": "text/plain" }).end("upstream connect error\n");
    else res.destroy();
  });
  req.pipe(up);
  if (how.cutAfterMs !== undefined) {
    const timer = setTimeout(() => {
      if (res.writableEnded) return;
      // Like a gateway timeout on a long response: the connection just goes away.
      cutNow();
    }, how.cutAfterMs);
    res.on("close", () => clearTimeout(timer));
  }
}
