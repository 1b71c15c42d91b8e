// Issue 9 item 6: a crash leaves nothing behind for long. A real `comfyume-builder serve`
// is killed (SIGKILL, with everything it ran, as a dying container goes) in the middle of
// an upload and of a build that pushes: an incoming upload, the per-build DOCKER_CONFIG
// with the registry password and the cache's export are on disk. The next replica to start
// on the same data dir sweeps all of it, once the builds they belong to run nowhere.
import { request, type ClientRequest } from "node:http";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import { resolveScratchRoot } from "../../../builder/src/runtime.js";
import {
  API_TOKEN,
  createBuilderFixture,
  spawnBuilder,
  type BuilderFixture,
  type SpawnedBuilder,
} from "../../helpers/builder-server.js";
import { killTree } from "../../helpers/process-tree.js";
import { stack } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";
import { fileTarHeader } from "./tar-fixtures.js";

const list = (dir: string) => readdir(dir).catch(() => [] as string[]);

/** Every file under `dir` (relative paths). */
async function walk(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await walk(path.join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out;
}

let fx: BuilderFixture | undefined;
const replicas: SpawnedBuilder[] = [];
let upload: ClientRequest | undefined;
afterAll(async () => {
  upload?.destroy();
  for (const r of replicas) await r.stop();
  await fx?.cleanup();
});

describe("crash leftovers", () => {
  it("an upload, a pushing build's credentials and its cache export are swept after kill -9 + restart", async () => {
    fx = await createBuilderFixture();
    // One attempt: the killed build is not requeued, so its scratch must go for good.
    const env = { BUILDER_MAX_ATTEMPTS: "1" };
    const a = await spawnBuilder(fx, { env });
    replicas.push(a);
    const uploads = path.join(fx.dataDir, "uploads");
    const scratchRoot = resolveScratchRoot(fx.dataDir);

    // An upload that stops half way through a 64 MiB file and stays open.
    upload = request(`${a.url}/v1/builds?target=upload&smoke=false`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/x-tar" },
    });
    upload.on("error", () => undefined); // the replica dies under it
    upload.write(Buffer.concat([fileTarHeader("big.bin", 64 << 20), Buffer.alloc(8 << 20, 7)]));
    const incoming = await waitFor(
      async () => {
        for (const name of (await list(uploads)).filter((n) => n.startsWith(".incoming-")))
          if ((await walk(path.join(uploads, name))).includes("ctx/big.bin")) return name;
        return undefined;
      },
      { what: "the upload to be half written" },
    );

    // A build that pushes (credentials in its DOCKER_CONFIG) with the local cache (an export in .tmp).
    const res = await fetch(`${a.url}/v1/builds`, {
      method: "POST",
      headers: { ...a.api, "content-type": "application/json" },
      body: JSON.stringify({
        target: "slow",
        smoke: false,
        buildArgs: { NONCE: `crash-${Date.now()}`, LINES: "300", DELAY: "0.1" },
      }),
    });
    const build = (await res.json()) as BuildRecord;
    const creds = await waitFor(
      async () => {
        const files = await walk(path.join(scratchRoot, build.id));
        return files.find((f) => /^comfyume-docker-config-[^/]+\/config\.json$/.test(f));
      },
      { what: "the per-build DOCKER_CONFIG", timeoutMs: 60_000 },
    );
    const credsFile = path.join(scratchRoot, build.id, creds);
    const s = stack();
    expect(await readFile(credsFile, "utf8")).toContain(
      Buffer.from(`${s.user}:${s.password}`).toString("base64"),
    );
    await waitFor(
      async () =>
        (await (await fetch(`${a.url}/v1/builds/${build.id}/logs`, { headers: a.read })).text()).includes(
          "slow line 3 of",
        ),
      { what: "buildx to be running", timeoutMs: 120_000 },
    );
    const exports = (await list(path.join(fx.cacheDir, ".tmp"))).filter((n) => n.startsWith("slow-"));
    expect(exports.length).toBeGreaterThan(0);

    await killTree(a.child.pid!);
    await a.exited;
    // Everything is still there: nothing cleaned up after a SIGKILL.
    expect(await list(uploads)).toContain(incoming);
    expect(await readFile(credsFile, "utf8")).toBeTruthy();

    const b = await spawnBuilder(fx, { env });
    replicas.push(b);
    await waitFor(
      async () => {
        const left = [
          ...(await list(uploads)).filter((n) => n.startsWith(".")),
          ...(await walk(path.join(scratchRoot, build.id))),
          ...(await list(path.join(fx!.cacheDir, ".tmp"))),
          ...(await list(path.join(fx!.cacheDir, ".trash"))),
        ];
        return left.length === 0;
      },
      { what: "the leftovers to be swept", timeoutMs: 60_000 },
    );
    // The build itself is recorded as interrupted by the new replica (its lease ran out).
    const final = await waitFor(
      async () => {
        const r = (await (
          await fetch(`${b.url}/v1/builds/${build.id}`, { headers: b.read })
        ).json()) as BuildRecord;
        return r.status === "interrupted" ? r : undefined;
      },
      { what: "the build to be marked interrupted" },
    );
    expect(final.error?.code).toBe("INTERRUPTED");
  }, 300_000);
});
