// A plain HTTP proxy in front of a real registry that passes every request through as it
// is (Host header included, so the registry's upload Locations point back here) and can
// be told to answer the next matching requests with an error status instead. Used to
// show that a registry hiccup on one request is retried, end to end.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FaultProxy {
  /** "127.0.0.1:<port>", usable as an image reference's registry. */
  host: string;
  /** Every request seen: "METHOD path -> status". */
  seen: string[];
  /** The next `count` requests that `match` are answered with `status` and never reach the registry. */
  failNext(count: number, status: number, match: (method: string, path: string) => boolean): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const seen: string[] = [];
  let fault: { count: number; status: number; match: (m: string, p: string) => boolean } | undefined;
  const [upstreamHost, upstreamPort] = upstream.split(":");
  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://proxy").pathname;
    if (fault && fault.count > 0 && fault.match(method, path)) {
      fault.count--;
      seen.push(`${method} ${path} -> ${fault.status} (injected)`);
      req.resume();
      res.writeHead(fault.status, { "content-type": "application/json" }).end('{"errors":[]}');
      return;
    }
    const upstreamReq = http.request(
      { hostname: upstreamHost, port: Number(upstreamPort), method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        seen.push(`${method} ${path} -> ${upstreamRes.statusCode}`);
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on("error", (err) => {
      seen.push(`${method} ${path} -> 502 (${err.message})`);
      res.writeHead(502).end(err.message);
    });
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    seen,
    failNext(count, status, match) {
      fault = { count, status, match };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
