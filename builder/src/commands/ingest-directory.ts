// `run --context DIR`: the directory becomes an uploaded context, exactly as if the trigger
// had sent it — packed by tar (the build's own .dockerignore is applied by buildx later),
// unpacked safely into <uploads>/<sha256>/ so any replica can build and retry it.
import { PassThrough } from "node:stream";
import { stat } from "node:fs/promises";
import path from "node:path";
import { createContextIngester } from "../http/upload-context.js";
import { run } from "../process/spawn.js";
import { ingestUpload } from "../source/upload.js";
import type { UploadStore } from "../source/upload-store.js";
import { UsageError } from "./command-line.js";

export interface IngestedDirectory {
  sha256: string;
  bytes: number;
  files: number;
  dir: string;
}

export async function ingestDirectory(
  dir: string,
  uploads: UploadStore,
  maxBytes: number,
  env: NodeJS.ProcessEnv,
): Promise<IngestedDirectory> {
  const abs = path.resolve(dir);
  const info = await stat(abs).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--context ${JSON.stringify(dir)} is not a directory`);
  const pipe = new PassThrough();
  const packing = run(["tar", "--create", "--file=-", "--directory", abs, "--", "."], {
    stdoutSink: pipe,
    env,
  });
  const ingest = createContextIngester({
    store: uploads,
    ingest: (body, o) => ingestUpload(body, o),
    heartbeatMs: 10_000,
    // This process submits the build right after; nothing here is ever discarded.
    isNeeded: () => Promise.resolve(true),
  });
  const [result, packed] = await Promise.all([
    ingest(pipe, { maxBytes, signal: new AbortController().signal }),
    packing,
  ]);
  if (packed.exitCode !== 0)
    throw new Error(`tar could not pack ${abs}: ${packed.stderr.slice(-3).join(" ")}`);
  const { sha256, bytes, files, dir: contextDir } = result;
  return { sha256, bytes, files, dir: contextDir };
}
