// A pass-through HTTP proxy that records every request (method, path, Accept) with when
// it started and ended, so a test can see which requests were open at a given moment:
// placed between the gateway stand-in and the builder, it shows that a serverless build's
// POST stays in flight while the build runs.
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path and query as the builder received them. */
  url: string;
  accept: string;
  /** The Idempotency-Key header, "" when none. */
  idempotencyKey: string;
  startedAt: number;
  /** When the answer ended or the connection closed; undefined while in flight. */
  endedAt?: number;
}

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  inFlight(): RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const rec: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      accept: String(req.headers.accept ?? ""),
      idempotencyKey: String(req.headers["idempotency-key"] ?? ""),
      startedAt: Date.now(),
    };
    requests.push(rec);
    res.on("close", () => (rec.endedAt ??= Date.now()));
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    // The gateway cut the connection (or the builder went away): pass the cut on.
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    inFlight: () => requests.filter((r) => r.endedAt === undefined),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
