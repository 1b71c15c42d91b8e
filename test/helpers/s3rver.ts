// A real S3-protocol server (s3rver) in-process on 127.0.0.1, port 0, storing in a temp
// dir, with one bucket: the stand-in for Cloudflare R2. s3rver ignores
// `If-None-Match: *` (STACK.md "S3 / R2"); R2 answers 412 when the key exists, and the
// backup relies on that, so this helper adds R2's rule in front of s3rver's handler.
import { mkdtemp, rm } from "node:fs/promises";
import type http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";

export interface S3rverHandle {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** How many writes were refused with 412 because the key existed. */
  preconditionFailures: () => number;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
/** s3rver's internals this helper uses: its HTTP server and its store's existence check. */
interface S3rverInternals {
  httpServer: http.Server;
  store: { existsObject(bucket: string, key: string): Promise<boolean> };
}

export async function startS3rver(bucket = "comfyume-images"): Promise<S3rverHandle> {
  const directory = await mkdtemp(path.join(tmpdir(), "h3-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  try {
    const { port } = await server.run();
    const internals = server as unknown as S3rverInternals;
    let refused = 0;
    const [handler] = internals.httpServer.listeners("request") as Handler[];
    internals.httpServer.removeAllListeners("request");
    internals.httpServer.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      enforceIfNoneMatch(req, internals.store).then(
        (exists) => {
          if (!exists) return handler!(req, res);
          refused++;
          res.writeHead(412, { "content-type": "application/xml" });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
              "<Message>At least one of the pre-conditions you specified did not hold</Message></Error>",
          );
        },
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      // s3rver's fixed credentials; it checks signatures against them.
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      bucket,
      preconditionFailures: () => refused,
      close: async () => {
        await server.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
}

/**
 * True when the request is a conditional object write (PutObject, or
 * CompleteMultipartUpload, with `If-None-Match: *`) to a key that already exists.
 */
async function enforceIfNoneMatch(
  req: http.IncomingMessage,
  store: S3rverInternals["store"],
): Promise<boolean> {
  if (req.headers["if-none-match"] !== "*") return false;
  const url = new URL(req.url ?? "/", "http://s3rver");
  const isPut =
    req.method === "PUT" && !url.searchParams.has("partNumber") && !req.headers["x-amz-copy-source"];
  const isComplete = req.method === "POST" && url.searchParams.has("uploadId");
  if (!isPut && !isComplete) return false;
  const [, bucket, ...key] = url.pathname.split("/");
  if (!bucket || key.length === 0) return false;
  return store.existsObject(decodeURIComponent(bucket), decodeURIComponent(key.join("/")));
}
