// A tiny smart-HTTP git server for tests: node's http server in front of the real
// `git http-backend` (run through process/spawn.ts). With a token, every request
// must carry HTTP basic auth whose password is that token, like GitHub with a PAT.
// It records each request's Authorization header and the backend's argv and env
// so tests can check where the token travelled.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { run } from "../../builder/src/process/spawn.js";

export interface GitHttpServer {
  /** Base URL; a repository under `root` is at `${url}/<name>`. */
  url: string;
  /** `command`: the protocol v2 command a POST carried (ls-refs for ls-remote, fetch for a clone). */
  requests: { method: string; path: string; authorized: boolean; command?: string }[];
  backendArgv: (readonly string[])[];
  close(): Promise<void>;
}

export async function startGitHttpServer(root: string, token?: string): Promise<GitHttpServer> {
  const requests: GitHttpServer["requests"] = [];
  const backendArgv: GitHttpServer["backendArgv"] = [];
  const server: Server = createServer((req, res) => {
    const authorized = token === undefined || passwordOf(req) === token;
    const u = new URL(req.url ?? "/", "http://x");
    const entry: GitHttpServer["requests"][number] = {
      method: req.method ?? "",
      path: u.pathname,
      authorized,
    };
    requests.push(entry);
    if (!authorized) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("unauthorized\n");
      return;
    }
    handle(root, req, res, u, backendArgv, entry).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    backendArgv,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function passwordOf(req: IncomingMessage): string | undefined {
  const m = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  return decoded.slice(decoded.indexOf(":") + 1);
}

async function handle(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  u: URL,
  backendArgv: GitHttpServer["backendArgv"],
  entry: GitHttpServer["requests"][number],
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  // pkt-line "0014command=ls-refs\n": uncompressed in protocol v2 requests.
  const command = /command=([a-z-]+)/.exec(Buffer.concat(chunks).toString("latin1"))?.[1];
  if (command) entry.command = command;
  const out = new PassThrough();
  const body: Buffer[] = [];
  out.on("data", (c: Buffer) => body.push(c));
  const argv = ["git", "http-backend"];
  backendArgv.push(argv);
  const result = await run(argv, {
    input: Buffer.concat(chunks),
    stdoutSink: out,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(u.pathname),
      QUERY_STRING: u.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      CONTENT_LENGTH: String(Buffer.concat(chunks).length),
      HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      REMOTE_ADDR: "127.0.0.1",
      REMOTE_USER: "test",
    },
  });
  if (result.exitCode !== 0) throw new Error(`git http-backend failed: ${result.stderr.join("\n")}`);
  sendCgi(res, Buffer.concat(body));
}

// CGI output: header lines, a blank line, then the body; "Status:" sets the code.
function sendCgi(res: ServerResponse, raw: Buffer): void {
  let split = raw.indexOf("\r\n\r\n");
  let sep = 4;
  if (split < 0) {
    split = raw.indexOf("\n\n");
    sep = 2;
  }
  const head = raw.subarray(0, split).toString("latin1");
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  res.writeHead(status, headers).end(raw.subarray(split + sep));
}
