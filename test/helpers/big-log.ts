// A finished build with a long log, written straight into a data dir (any replica reading
// that dir serves it): what the stream tests and the SSE bench replay to many clients.
import { FileBuildStore } from "../../builder/src/store/file-build-store.js";
import { makeBuildRecord } from "./build-record.js";

/** Appends ~`bytes` of log (lines of ~100 characters) to a new succeeded build; returns its id and line count. */
export async function writeBuildWithLog(
  dataDir: string,
  bytes: number,
  target = "quick",
): Promise<{ id: string; lines: number }> {
  const store = new FileBuildStore(dataDir);
  const id = store.newBuildId();
  const now = new Date().toISOString();
  await store.create(
    makeBuildRecord({
      id,
      target,
      status: "running",
      startedAt: now,
      params: { ...makeBuildRecord().params, target },
    }),
  );
  let lines = 0;
  let written = 0;
  while (written < bytes) {
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      stream: "stdout" as const,
      line: `#${lines + i + 1} ${"step output that a long build prints, padded to about a hundred bytes".padEnd(80, ".")}`,
    }));
    await store.appendLog(id, batch);
    lines += batch.length;
    written += batch.length * 150; // each stored line is ~150 bytes of NDJSON
  }
  await store.update(id, (r) => {
    r.status = "succeeded";
    r.finishedAt = new Date().toISOString();
  });
  return { id, lines };
}
