// A small real HTTP proxy in front of the stack's htpasswd registry that behaves like
// GHCR: /v2/ requests without a valid bearer token get 401 with a Bearer challenge,
// /token checks basic credentials and hands out a token for the requested scope, and
// authorised requests are forwarded to the real registry with its basic credentials.
// Like GHCR, a write (PUT/POST/PATCH/DELETE) needs a token whose scope grants push.
// It can be told to answer 429 (with Retry-After) or 503 for the next N requests.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenRegistryOptions {
  /** host:port of the real registry, e.g. 127.0.0.1:5001 */
  upstream: string;
  upstreamUser: string;
  upstreamPassword: string;
  /** What /token accepts as basic credentials. */
  username: string;
  password: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  authorization: string | undefined;
}

export interface TokenRegistry {
  /** "127.0.0.1:<port>", usable as an image reference's registry. */
  host: string;
  /** Every /v2/ request with the status it got. */
  requests: RequestLogEntry[];
  /** How many times /token was asked, and with which scopes. */
  tokenRequests: string[];
  /** The next `count` /v2/ requests are answered with `status` (and Retry-After when given). */
  failNext(count: number, status: 429 | 500 | 502 | 503, retryAfter?: string): void;
  close(): Promise<void>;
}

export async function startTokenRegistry(opts: TokenRegistryOptions): Promise<TokenRegistry> {
  const tokens = new Map<string, string>(); // token -> granted scope "repository:NAME:ACTIONS"
  const requests: RequestLogEntry[] = [];
  const tokenRequests: string[] = [];
  let failures: { count: number; status: number; retryAfter?: string } = { count: 0, status: 503 };
  const expectedBasic = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`;
  const upstreamBasic = `Basic ${Buffer.from(`${opts.upstreamUser}:${opts.upstreamPassword}`).toString("base64")}`;
  let host = "";

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    const answer = (status: number, headers: Record<string, string> = {}, body = "") => {
      requests.push({
        method: req.method ?? "",
        path: url.pathname,
        status,
        authorization: req.headers.authorization,
      });
      res.writeHead(status, headers).end(body);
    };
    if (url.pathname === "/token") {
      tokenRequests.push(url.searchParams.get("scope") ?? "");
      if (req.headers.authorization !== expectedBasic) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"errors":[{"code":"DENIED"}]}');
        return;
      }
      const token = randomBytes(16).toString("hex");
      tokens.set(token, url.searchParams.get("scope") ?? "");
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    if (failures.count > 0) {
      failures.count--;
      answer(
        failures.status,
        failures.retryAfter !== undefined ? { "retry-after": failures.retryAfter } : {},
      );
      return;
    }
    const name = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(url.pathname)?.[1];
    const write = !["GET", "HEAD"].includes(req.method ?? "GET");
    const scope = name ? `repository:${name}:${write ? "pull,push" : "pull"}` : "";
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (bearer === undefined || !grants(tokens.get(bearer), scope)) {
      const challenge = `Bearer realm="http://${host}/token",service="token-registry"${scope ? `,scope="${scope}"` : ""}`;
      answer(401, { "www-authenticate": challenge, "content-type": "application/json" }, '{"errors":[]}');
      return;
    }
    forward(req, res, opts.upstream, upstreamBasic, (status) =>
      requests.push({
        method: req.method ?? "",
        path: url.pathname,
        status,
        authorization: req.headers.authorization,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    host,
    requests,
    tokenRequests,
    failNext(count, status, retryAfter) {
      failures = { count, status, ...(retryAfter !== undefined && { retryAfter }) };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Whether a granted scope covers the needed one (same repository, every needed action). */
function grants(granted: string | undefined, needed: string): boolean {
  if (granted === undefined) return false;
  if (granted === needed) return true;
  const [, grantedName, grantedActions = ""] = /^repository:(.+):([a-z,]+)$/.exec(granted) ?? [];
  const [, neededName, neededActions = ""] = /^repository:(.+):([a-z,]+)$/.exec(needed) ?? [];
  if (grantedName === undefined || grantedName !== neededName) return false;
  const have = new Set(grantedActions.split(","));
  return neededActions.split(",").every((a) => have.has(a));
}

function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: string,
  authorization: string,
  onStatus: (status: number) => void,
) {
  const [hostname, port] = upstream.split(":");
  const upstreamReq = http.request(
    {
      hostname,
      port: Number(port),
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream, authorization },
    },
    (upstreamRes) => {
      onStatus(upstreamRes.statusCode ?? 502);
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  upstreamReq.on("error", (err) => {
    onStatus(502);
    res.writeHead(502).end(err.message);
  });
  req.pipe(upstreamReq);
}
