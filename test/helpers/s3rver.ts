// A real S3-protocol server (s3rver) in-process on 127.0.0.1, port 0, storing in a temp
// dir, with one bucket. Stand-in for Cloudflare R2 (see STACK.md "S3 / R2": it does
// not enforce If-None-Match, so the code under test also looks before it writes).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";

export interface S3rverHandle {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  close(): Promise<void>;
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
    return {
      endpoint: `http://127.0.0.1:${port}`,
      // s3rver's fixed credentials; it checks signatures against them.
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      bucket,
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
