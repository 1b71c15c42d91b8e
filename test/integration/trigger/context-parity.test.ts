// End to end: `comfyume-build submit --context DIR` against a real builder sends exactly the
// files `docker buildx build DIR` sends (plus the Dockerfile and ignore file the builder needs),
// and the image the builder pushes holds exactly what `docker buildx build DIR` puts in it. A
// .dockerignore BuildKit refuses is a usage error (exit 2) naming the line, before or while
// packing; `comfyume-builder run --context` ingests the same entries as the trigger sends.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRecordSchema } from "../../../common/build-record.js";
import { createDockerConfig, type DockerConfigDir } from "../../../builder/src/buildx/docker-config.js";
import { ingestDirectory } from "../../../builder/src/commands/ingest-directory.js";
import { UploadStore } from "../../../builder/src/source/upload-store.js";
import { uploadContextDir } from "../../../builder/src/source/upload-paths.js";
import { END_TO_END_CASES, ERROR_CASES, WALK_CASES } from "../../fixtures/dockerignore/tree-cases.js";
import {
  API_TOKEN,
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { imageContext, sentByBuildx } from "../../helpers/buildkit-context.js";
import { expectedPacked, listTree, writeTree } from "../../helpers/dockerignore-trees.js";
import { packedEntries } from "../../helpers/packed-entries.js";
import { stack } from "../../helpers/stack-env.js";
import { cli, type CliOptions } from "./trigger-fixture.js";

let fx: BuilderFixture;
let builder: InProcessBuilder;
let work: string;
let opts: CliOptions;
let dockerConfig: DockerConfigDir;

beforeAll(async () => {
  fx = await createBuilderFixture();
  builder = await startBuilder(fx);
  work = await mkdtemp(path.join(os.tmpdir(), "context-parity-"));
  opts = { env: { BUILDER_URL: builder.url, BUILDER_TOKEN: API_TOKEN }, cwd: work };
  const s = stack();
  dockerConfig = await createDockerConfig({
    registries: [{ host: s.registry, username: s.user, password: s.password }],
    baseDir: work,
  });
});
afterAll(async () => {
  await builder?.stop();
  await fx?.cleanup();
  await dockerConfig?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("submit --context sends what docker buildx build sends", () => {
  it.each(END_TO_END_CASES.map((c, i) => [c.name, i] as const))("%s", async (_name, i) => {
    const c = END_TO_END_CASES[i]!;
    const dir = path.join(work, `e2e-${i}`);
    await writeTree(dir, c);
    const [local, r] = await Promise.all([
      sentByBuildx(dir, path.join(work, `e2e-${i}-local`)),
      cli(["submit", "upload", "--context", dir, "--json"], opts),
    ]);
    expect(r.stderr).toMatch(/Build \S+ succeeded/);
    expect(r.code).toBe(0);
    const rec = buildRecordSchema.parse(JSON.parse(r.stdout));
    if (rec.source.kind !== "upload") throw new Error(`expected an upload, got ${rec.source.kind}`);
    const uploaded = await listTree(uploadContextDir(path.join(fx.dataDir, "uploads"), rec.source.sha256));
    expect(uploaded).toEqual(expectedPacked(c, local));
    const image = `${rec.tags[0]!.replace(/:[^:/]+$/, "")}@${rec.digest!}`;
    expect(await imageContext(image, path.join(work, `e2e-${i}-image`), dockerConfig.dir)).toEqual(local);
  });
});

describe("a .dockerignore BuildKit refuses", () => {
  it.each([
    ["[]a]", "keep\n[]a]\n", 2],
    ["!", "*.log\n!\n", 2],
  ])("%j: exit 2 before anything is sent, naming the line", async (pattern, ignore, line) => {
    const dir = path.join(work, `bad-${line}-${pattern.length}`);
    await writeTree(dir, { name: pattern, ignore, paths: ["keep", "Dockerfile"] });
    const r = await cli(["submit", "upload", "--context", dir], opts);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`.dockerignore line ${line}: ${JSON.stringify(pattern)}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("exit 2 when a pattern Go cannot compile is reached while packing", async () => {
    const dir = path.join(work, "bad-lazy");
    await writeTree(dir, { name: "lazy", ignore: "other\n[z-a]\n", paths: ["a", "Dockerfile"] });
    const r = await cli(["submit", "upload", "--context", dir], opts);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.dockerignore line 2: "[z-a]" is not a valid pattern');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("a FIFO docker buildx build would send", () => {
  it("is a usage error for submit --context and run --context, naming it", async () => {
    const dir = path.join(work, "fifo");
    await writeTree(dir, { name: "fifo", ignore: "", paths: ["Dockerfile", "pipe (fifo)"] });
    const r = await cli(["submit", "upload", "--context", dir], opts);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"pipe" is a FIFO');
    await expect(
      ingestDirectory(dir, new UploadStore(path.join(work, "unused")), 1024),
    ).rejects.toMatchObject({
      name: "UsageError",
      message: expect.stringContaining('"pipe" is a FIFO') as unknown,
    });
  });
});

describe("comfyume-builder run --context ingests what submit --context sends", () => {
  // Names with control characters are sent by BuildKit but refused by the builder's upload
  // check (a clear 400 naming the entry), so they cannot round-trip through an upload.
  const cases = [...END_TO_END_CASES, ...WALK_CASES].filter(
    (c) => !c.paths.some((p) => /[\u0000-\u001f\u007f-\u009f]/.test(p)),
  );
  it.each(cases.map((c, i) => [c.name, i] as const))("%s", async (_name, i) => {
    const dir = path.join(work, `ingest-${i}`);
    await writeTree(dir, cases[i]!);
    const uploads = path.join(work, `ingest-${i}-uploads`);
    await mkdir(uploads);
    const ingested = await ingestDirectory(dir, new UploadStore(uploads), 64 * 1024 * 1024);
    expect(await listTree(ingested.dir)).toEqual(await packedEntries(dir));
  });

  it.each(ERROR_CASES.map((c, i) => [c.name, i] as const))(
    "refuses %s as a usage error",
    async (_name, i) => {
      const dir = path.join(work, `ingest-bad-${i}`);
      await writeTree(dir, ERROR_CASES[i]!);
      await expect(
        ingestDirectory(dir, new UploadStore(path.join(work, "unused")), 1024),
      ).rejects.toMatchObject({
        name: "UsageError",
        message: expect.stringMatching(/\.dockerignore line \d+/) as unknown,
      });
    },
  );
});
