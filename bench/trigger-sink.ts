// The upload endpoint both clients of the upload bench talk to: a real HTTP server that
// hands the body to the builder's own ingestUpload (stream to disk while hashing, then
// unpack safely), as POST /v1/builds does, and answers with a record built from what it
// received. Also answers GET /v1/targets and records when each request arrived, for
// the start-up bench.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ingestUpload } from "../builder/src/source/upload.js";
import type { BuildRecord } from "../common/build-record.js";
import { makeBuildRecord } from "../test/helpers/build-record.js";

export interface Sink {
  url: string;
  /** performance.timeOrigin-relative ms of each request's arrival. */
  arrivals: number[];
  uploads: { bytes: number; files: number }[];
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const root = await mkdtemp(path.join(tmpdir(), "trigger-bench-sink-"));
  const arrivals: number[] = [];
  const uploads: Sink["uploads"] = [];
  let n = 0;
  const server = createServer((req, res) => {
    arrivals.push(Date.now());
    handle(req, res, root, ++n, uploads).catch((err: Error) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "INVALID_REQUEST", message: err.message } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    uploads,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  n: number,
  uploads: Sink["uploads"],
) {
  if (req.method === "GET" && req.url === "/v1/targets") {
    return json(res, 200, {
      targets: [{ name: "bench", image: "127.0.0.1:5001/bench/ctx", platforms: ["linux/amd64"] }],
    });
  }
  const dir = path.join(root, `u${n}`);
  const got = await ingestUpload(req, { maxBytes: 4 * 1024 ** 3, destDir: dir });
  uploads.push({ bytes: got.bytes, files: got.files });
  await rm(dir, { recursive: true, force: true });
  json(res, 202, record(`b_bench${n}`, got));
}

function record(id: string, got: { sha256: string; bytes: number; files: number }): BuildRecord {
  return makeBuildRecord({
    id,
    target: "bench",
    source: { kind: "upload", sha256: got.sha256, bytes: got.bytes, files: got.files },
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
