// On a builder whose driver is not `docker`, buildx pushes by digest with no tag at all
// (`push-by-digest=true`); the tag phase then moves only the requested tags. The
// builder here is the stack dockerd's own BuildKit reached through buildx's `remote`
// driver (test/helpers/daemon-buildkit.ts), a real BuildKit behind a non-docker driver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../../builder/src/registry/client.js";
import { startDaemonBuildkit, type DaemonBuildkit } from "../../helpers/daemon-buildkit.js";
import { stack } from "../../helpers/stack-env.js";
import { createEngineFixture, type EngineFixture } from "./engine-fixture.js";

let fx: EngineFixture;
let bk: DaemonBuildkit;
const s = stack();

beforeAll(async () => {
  bk = await startDaemonBuildkit(s.dockerHost.replace(/^unix:\/\//, ""));
  fx = await createEngineFixture();
  await fx.target(
    "native",
    "RUN echo native > /n",
    { tags: ["a", "b"] },
    `schemaVersion: 2.0.0
fileExistenceTests:
  - name: the file is there
    path: /n
    shouldExist: true
`,
  );
});
afterAll(async () => {
  await fx?.cleanup();
  await bk?.close();
});

async function listTags(repository: string): Promise<string[]> {
  const auth = Buffer.from(`${s.user}:${s.password}`).toString("base64");
  const res = await fetch(`http://${s.registry}/v2/${repository}/tags/list`, {
    headers: { authorization: `Basic ${auth}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { tags: string[] }).tags.sort();
}

describe("push by digest on a remote builder", () => {
  it("pushes with no tag, smoke-tests the digest, then publishes exactly the requested tags", async () => {
    const res = await fx.run(["native"], {
      DOCKER_CONFIG: bk.dockerConfig,
      BUILDER_BUILDX_BUILDER: bk.builder,
    });
    expect(res.code, res.stderr).toBe(0);
    const r = res.record!;
    expect(res.stderr).toContain("push-by-digest=true,name-canonical=true,push=true");
    expect(r.phases.map((p) => [p.name, p.status])).toEqual([
      ["source", "succeeded"],
      ["build", "succeeded"],
      ["push", "succeeded"],
      ["smoke", "succeeded"],
      ["tag", "succeeded"],
      ["backup", "skipped"],
    ]);
    const repository = `engine-${fx.marker}/native`;
    expect(r.published).toEqual([
      { ref: `${s.registry}/${repository}:a`, digest: r.digest },
      { ref: `${s.registry}/${repository}:b`, digest: r.digest },
    ]);
    // No staging tag and nothing else: the push itself moved no tag.
    expect(await listTags(repository)).toEqual(["a", "b"]);
    const client = new RegistryClient({ credentials: () => ({ username: s.user, password: s.password }) });
    expect((await client.resolveDigest(`${s.registry}/${repository}:b`)).digest).toBe(r.digest);
  });
});
