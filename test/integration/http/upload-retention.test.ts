// Issue 9 item 3: uploaded contexts are kept while a build needs them and for
// BUILDER_UPLOAD_RETENTION after, then deleted; a retry after that is a 410 saying so.
// Against a real `comfyume-builder serve` (retention 1 s, sweeps every 6 s with a 3 s lease).
import { stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import {
  createBuilderFixture,
  spawnBuilder,
  type BuilderFixture,
  type SpawnedBuilder,
} from "../../helpers/builder-server.js";
import { BUSYBOX } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";
import { buildTar } from "./tar-fixtures.js";

let fx: BuilderFixture;
let b: SpawnedBuilder;
beforeAll(async () => {
  fx = await createBuilderFixture();
  b = await spawnBuilder(fx, { env: { BUILDER_UPLOAD_RETENTION: "1" } });
}, 60_000);
afterAll(async () => {
  await b?.stop();
  await fx?.cleanup();
});

const record = async (id: string) =>
  (await (await fetch(`${b.url}/v1/builds/${id}`, { headers: b.read })).json()) as BuildRecord;
const mtime = (dir: string) =>
  stat(dir).then(
    (s) => s.mtimeMs,
    () => undefined,
  );

describe("upload retention", () => {
  it("keeps a context while its build runs, deletes it after the retention, and a retry is then 410 GONE", async () => {
    const tarball = await buildTar([
      { name: "Dockerfile", body: `FROM ${BUSYBOX()}\nRUN echo retention-${Date.now()} && sleep 8\n` },
    ]);
    const res = await fetch(`${b.url}/v1/builds?target=upload&smoke=false&push=false`, {
      method: "POST",
      headers: { ...b.api, "content-type": "application/x-tar" },
      body: new Uint8Array(tarball),
    });
    expect(res.status).toBe(202);
    const built = (await res.json()) as BuildRecord;
    const sha = (built.source as { sha256: string }).sha256;
    const dir = path.join(fx.dataDir, "uploads", sha);
    const uploadedAt = (await mtime(dir))!;
    await waitFor(async () => (await record(built.id)).status === "running", { what: "the build to start" });
    // A sweep ran while the build was running: it found the context needed and kept it
    // (restarting its clock), though the retention of 1 s had long passed.
    await waitFor(async () => ((await mtime(dir)) ?? 0) > uploadedAt + 1000, {
      what: "a sweep to find the context needed",
      timeoutMs: 30_000,
    });
    const ended = await waitFor(
      async () => {
        const r = await record(built.id);
        return ["succeeded", "failed"].includes(r.status) ? r : undefined;
      },
      { what: "the build to end", timeoutMs: 120_000 },
    );
    expect(ended.status, JSON.stringify(ended.error)).toBe("succeeded");
    await waitFor(async () => (await mtime(dir)) === undefined, {
      what: "the context to be deleted after the retention",
      timeoutMs: 30_000,
    });
    const retry = await fetch(`${b.url}/v1/builds/${built.id}/retry`, { method: "POST", headers: b.api });
    expect(retry.status).toBe(410);
    const body = (await retry.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("GONE");
    expect(body.error.message).toMatch(
      new RegExp(
        `uploaded context \\(sha256 ${sha.slice(0, 12)}\\) is no longer kept.*BUILDER_UPLOAD_RETENTION \\(1 s\\).*upload the context again`,
      ),
    );
    // The metrics show the data dir's and the scratch's bytes, as measured by the sweep.
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^builder_data_dir_bytes \d+$/m);
    expect(metrics).toMatch(/^builder_scratch_bytes \d+$/m);
  }, 240_000);
});
