// Uploaded build contexts (tar and gzip) streamed to the real builder and built for real;
// hostile archives rejected with 400 leaving nothing behind; the size limit is a 413.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import {
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { BUSYBOX } from "../../helpers/stack-env.js";
import { HOSTILE, buildTar, goodContext, gzip } from "./tar-fixtures.js";
import { waitForEnd } from "../../helpers/builder-api.js";

let fx: BuilderFixture;
let b: InProcessBuilder;
beforeAll(async () => {
  fx = await createBuilderFixture();
  b = await startBuilder(fx, { env: { BUILDER_MAX_UPLOAD_BYTES: "1MiB" } });
});
afterAll(async () => {
  await b?.stop();
  await fx?.cleanup();
});

function upload(body: Buffer, type: string, query = "target=upload&smoke=false"): Promise<Response> {
  return fetch(`${b.url}/v1/builds?${query}`, {
    method: "POST",
    headers: { ...b.api, "content-type": type },
    body: new Uint8Array(body),
  });
}
const ended = (id: string) => waitForEnd(b, id, 120_000);
async function uploadsOnDisk(): Promise<string[]> {
  return readdir(path.join(fx.dataDir, "uploads")).catch(() => []);
}
async function buildCount(): Promise<number> {
  return (
    (await (await fetch(`${b.url}/v1/builds?limit=500`, { headers: b.read })).json()) as { builds: unknown[] }
  ).builds.length;
}

describe("uploaded contexts", () => {
  it.each([
    ["application/x-tar", false],
    ["application/gzip", true],
  ])("%s: streamed, unpacked under <data>/uploads/<sha256>, built for real", async (type, zipped) => {
    const marker = `marker-${type}-${Date.now()}`;
    const tarball = await buildTar(goodContext(BUSYBOX(), marker));
    const body = zipped ? gzip(tarball) : tarball;
    const res = await upload(body, type, "target=upload&smoke=false&tag=extra&buildArg=X=1");
    expect(res.status).toBe(202);
    const rec = (await res.json()) as BuildRecord;
    expect(rec.source).toMatchObject({ kind: "upload", bytes: tarball.length });
    const sha = (rec.source as { sha256: string }).sha256;
    expect(await uploadsOnDisk()).toContain(sha);
    const done = await ended(rec.id);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(await (await fetch(`${b.url}/v1/builds/${rec.id}/logs`, { headers: b.read })).text()).toContain(
      marker,
    );
  });

  it.each(Object.entries(HOSTILE))(
    "%s → 400 INVALID_REQUEST, nothing left behind, no build",
    async (_name, entries) => {
      const before = { uploads: await uploadsOnDisk(), builds: await buildCount() };
      const res = await upload(
        await buildTar([{ name: "Dockerfile", body: "FROM scratch\n" }, ...entries]),
        "application/x-tar",
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_REQUEST");
      expect(await uploadsOnDisk()).toEqual(before.uploads);
      expect(await buildCount()).toBe(before.builds);
    },
  );

  it("truncated gzip and non-archives are 400; over BUILDER_MAX_UPLOAD_BYTES is 413 with a clear message", async () => {
    const good = gzip(await buildTar(goodContext(BUSYBOX(), "t")));
    expect((await upload(good.subarray(0, good.length - 20), "application/gzip")).status).toBe(400);
    expect(
      (await upload(Buffer.from("definitely not a tar archive".repeat(40)), "application/x-tar")).status,
    ).toBe(400);
    const big = await upload(Buffer.alloc(1024 * 1024 + 10, 1), "application/x-tar");
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(
      /at most 1048576 bytes/,
    );
    // Chunked (no Content-Length) bodies are metered while streaming.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(64 * 1024));
        c.close();
      },
    });
    const chunked = await fetch(`${b.url}/v1/builds?target=upload`, {
      method: "POST",
      headers: { ...b.api, "content-type": "application/x-tar" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await uploadsOnDisk()).filter((n) => n.startsWith("."))).toEqual([]);
  });
});
