// `run --context DIR`: the directory becomes an uploaded context, exactly as if the trigger
// had sent it — the same entries (common/dockerignore/: BuildKit's .dockerignore rules, the
// code `submit --context` uses), packed by tar, unpacked safely into <uploads>/<sha256>/ so
// any replica can build and retry it.
import { PassThrough } from "node:stream";
import { stat } from "node:fs/promises";
import path from "node:path";
import { resolveContextFilter } from "../../../common/dockerignore/context-filter.js";
import { walkContext } from "../../../common/dockerignore/context-walk.js";
import { isDockerignoreError } from "../../../common/dockerignore/dockerignore-error.js";
import { createContextIngester } from "../http/upload-context.js";
import { run } from "../process/spawn.js";
import { ingestUpload } from "../source/upload.js";
import { UsageError } from "./command-line.js";

export interface IngestedDirectory {
  sha256: string;
  bytes: number;
  files: number;
  dir: string;
}

export async function ingestDirectory(
  dir: string,
  uploadsDir: string,
  maxBytes: number,
): Promise<IngestedDirectory> {
  const abs = path.resolve(dir);
  const info = await stat(abs).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--context ${JSON.stringify(dir)} is not a directory`);
  const names = await contextEntries(abs);
  const pipe = new PassThrough();
  // Names are NUL-separated and taken verbatim (a file called "-x" is not an option); no
  // recursion, since the walk already decided about every entry inside a directory.
  const packing = run(
    [
      "tar",
      "--create",
      "--file=-",
      "--directory",
      abs,
      "--no-recursion",
      "--null",
      "--verbatim-files-from",
      "--files-from=-",
    ],
    { stdoutSink: pipe, input: Buffer.from(names.map((n) => `${n}\0`).join("")) },
  );
  const ingest = createContextIngester(uploadsDir, (body, o) => ingestUpload(body, o));
  const [result, packed] = await Promise.all([
    ingest(pipe, { maxBytes, signal: new AbortController().signal }),
    packing,
  ]);
  if (packed.exitCode !== 0)
    throw new Error(`tar could not pack ${abs}: ${packed.stderr.slice(-3).join(" ")}`);
  return result;
}

/** What `submit --context` would send; a .dockerignore BuildKit refuses is a usage error. */
async function contextEntries(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    const filter = await resolveContextFilter(dir);
    for await (const entry of walkContext(dir, filter.matcher, { alwaysSent: filter.alwaysSent })) {
      // Sockets, FIFOs and devices are never part of a build context, as in the trigger.
      if (entry.kind !== "other") names.push(entry.path);
    }
  } catch (err) {
    throw isDockerignoreError(err) ? new UsageError(err.message) : err;
  }
  return names;
}
