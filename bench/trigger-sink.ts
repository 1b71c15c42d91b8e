// The upload endpoint both clients of the upload bench talk to: a real HTTP server that
// hands the body to the builder's own ingestUpload (unpacked as it arrives, the tar
// hashed), as POST /v1/builds does, and answers with a record built from what it
// received. Optionally paced to a slower link than loopback. Also answers GET /v1/targets and records when each request arrived, for
// the start-up bench.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ingestUpload } from "../builder/src/source/upload.js";
import type { BuildRecord } from "../common/build-record.js";
import { makeBuildRecord } from "../test/helpers/build-record.js";

export interface Sink {
  url: string;
  /** Date.now() of each request's arrival. */
  arrivals: number[];
  /** Per upload: bytes on the wire (the body as sent), bytes of the tar it unpacked to, files. */
  uploads: { wireBytes: number; tarBytes: number; files: number }[];
  close(): Promise<void>;
}

export interface SinkOptions {
  /** Reads upload bodies no faster than this: a link slower than loopback. */
  linkBytesPerSecond?: number;
}

/**
 * Counts the body's bytes and, when asked, paces them like a link of that rate: each chunk
 * takes its length / rate to cross, and time the link sat idle is not banked for a burst.
 */
class Link extends Transform {
  bytes = 0;
  private freeAt = 0;
  constructor(private readonly bytesPerSecond: number | undefined) {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (!this.bytesPerSecond) return cb(null, chunk);
    const now = performance.now();
    this.freeAt = Math.max(now, this.freeAt) + (chunk.length / this.bytesPerSecond) * 1000;
    const wait = this.freeAt - now;
    if (wait > 1) setTimeout(() => cb(null, chunk), wait);
    else cb(null, chunk);
  }
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const root = await mkdtemp(path.join(tmpdir(), "trigger-bench-sink-"));
  const arrivals: number[] = [];
  const uploads: Sink["uploads"] = [];
  let n = 0;
  const server = createServer((req, res) => {
    arrivals.push(Date.now());
    handle(req, res, root, ++n, uploads, options).catch((err: Error) => {
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
  options: SinkOptions,
) {
  if (req.method === "GET" && req.url === "/v1/targets") {
    return json(res, 200, {
      targets: [{ name: "bench", image: "127.0.0.1:5001/bench/ctx", platforms: ["linux/amd64"] }],
    });
  }
  const dir = path.join(root, `u${n}`);
  const link = new Link(options.linkBytesPerSecond);
  const got = await ingestUpload(req.pipe(link), { maxBytes: 4 * 1024 ** 3, destDir: dir });
  uploads.push({ wireBytes: link.bytes, tarBytes: got.bytes, files: got.files });
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
