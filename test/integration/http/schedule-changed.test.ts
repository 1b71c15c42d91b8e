// POST /v1/hooks/schedule with changedOnly (SPEC §4) against a real builder and a real git
// HTTP server: a target is rebuilt only when its ref names another commit than its last
// successful build, read with `git ls-remote` (the server sees ls-refs, never a fetch);
// a commit that already failed is not retried every run; the reply says why each target
// was skipped; `comfyume-build schedule --changed-only` sends it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import {
  API_TOKEN,
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { startGitHttpServer, type GitHttpServer } from "../../helpers/git-http-server.js";
import { git } from "../../helpers/git-repo.js";
import { BUSYBOX } from "../../helpers/stack-env.js";
import { cli } from "../trigger/trigger-fixture.js";
import { waitForEnd } from "../../helpers/builder-api.js";

let root: string;
let work: string;
let bare: string;
let server: GitHttpServer;
let fx: BuilderFixture;
let b: InProcessBuilder;

async function commitAll(message: string): Promise<string> {
  await git(work, "add", ".");
  await git(work, "commit", "--quiet", "-m", message);
  await git(work, "push", "--quiet", "--tags", "--", bare, "main");
  return git(work, "rev-parse", "HEAD");
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "schedule-changed-"));
  work = path.join(root, "work");
  const served = path.join(root, "served");
  bare = path.join(served, "acme", "app.git");
  await mkdir(path.join(work, "app"), { recursive: true });
  await mkdir(path.join(work, "broken"), { recursive: true });
  await writeFile(
    path.join(work, "app", "Dockerfile"),
    `FROM ${BUSYBOX()}\nCOPY . /app\nRUN --network=none echo built\n`,
  );
  await writeFile(path.join(work, "broken", "Dockerfile"), `FROM ${BUSYBOX()}\nRUN --network=none exit 3\n`);
  await git(work, "init", "--quiet", "--initial-branch=main");
  await mkdir(path.dirname(bare), { recursive: true });
  await git(root, "init", "--quiet", "--bare", "--", bare);
  await commitAll("one");
  server = await startGitHttpServer(served);

  fx = await createBuilderFixture();
  const config = JSON.parse(await readFile(fx.configFile, "utf8")) as {
    sources: Record<string, unknown>;
    targets: Record<string, { image: string }>;
  };
  const prefix = config.targets.quick!.image.replace(/\/quick$/, "");
  const target = (name: string, source: string, context: string, schedule: boolean) => ({
    source,
    context,
    dockerfile: `${context}/Dockerfile`,
    image: `${prefix}/${name}`,
    tags: ["{ref}"],
    push: false,
    schedule,
  });
  config.sources.app = { git: `${server.url}/acme/app.git`, defaultRef: "main" };
  config.sources.gone = { git: `${server.url}/acme/missing.git`, defaultRef: "main" };
  Object.assign(config.targets, {
    svc: target("svc", "app", "app", true),
    broken: target("broken", "app", "broken", true),
    gone: target("gone", "gone", "app", false),
  });
  await writeFile(fx.configFile, JSON.stringify(config, null, 2));
  b = await startBuilder(fx);
});

afterAll(async () => {
  await b?.stop();
  await fx?.cleanup();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

interface Answer {
  builds: BuildRecord[];
  skipped?: { target: string; reason: string }[];
  ignored?: string;
}

/** The answer, and what the git server was asked while it was computed. */
async function schedule(body: Record<string, unknown>): Promise<Answer & { gitCommands: string[] }> {
  const before = server.requests.length;
  const res = await fetch(`${b.url}/v1/hooks/schedule`, {
    method: "POST",
    headers: { ...b.api, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const gitCommands = server.requests.slice(before).flatMap((r) => (r.command ? [r.command] : []));
  expect(res.status).toBe(202);
  return { ...((await res.json()) as Answer), gitCommands };
}

const reasons = (a: Answer) => Object.fromEntries((a.skipped ?? []).map((s) => [s.target, s.reason]));
const ended = (id: string) => waitForEnd(b, id, 180_000);
const commitOf = (r: BuildRecord) => (r.source.kind === "git" ? r.source.commit : undefined);

describe("POST /v1/hooks/schedule with changedOnly", () => {
  let first: string;
  let svcBuild: string;

  it("with no successful build yet, builds the scheduled git targets; a directory source is skipped, saying why", async () => {
    first = await git(work, "rev-parse", "HEAD");
    const a = await schedule({ changedOnly: true });
    expect(a.builds.map((x) => x.target).sort()).toEqual(["broken", "svc"]);
    expect(a.builds.every((x) => commitOf(x) === first && x.trigger.kind === "schedule")).toBe(true);
    expect(reasons(a).quick).toContain("is a directory, which has no commits to compare");
    const done = await Promise.all(a.builds.map((x) => ended(x.id)));
    const byTarget = Object.fromEntries(done.map((r) => [r.target, r]));
    expect(byTarget.svc!.status).toBe("succeeded");
    expect(byTarget.broken!.status).toBe("failed");
    svcBuild = byTarget.svc!.id;
  });

  it("when nothing moved, builds nothing and asks git only ls-remote, once per source and ref", async () => {
    const a = await schedule({ changedOnly: true });
    expect(a.builds).toEqual([]);
    expect(a.ignored).toBe("every target is up to date (see skipped)");
    const why = reasons(a);
    expect(why.svc).toBe(`up to date: main is still at ${first.slice(0, 12)}, built by ${svcBuild}`);
    expect(why.broken).toMatch(
      new RegExp(
        `^main is at ${first.slice(0, 12)}, which build b_\\S+ already tried \\(failed\\); retry that build`,
      ),
    );
    expect(a.gitCommands).toEqual(["ls-refs"]);
  });

  it("after a push, rebuilds at the new commit", async () => {
    await writeFile(path.join(work, "app", "extra.txt"), "two\n");
    const second = await commitAll("two");
    const a = await schedule({ changedOnly: true });
    expect(a.builds.map((x) => x.target).sort()).toEqual(["broken", "svc"]);
    expect(a.builds.every((x) => commitOf(x) === second)).toBe(true);
    const svc = await ended(a.builds.find((x) => x.target === "svc")!.id);
    expect(svc.status).toBe("succeeded");
    await Promise.all(a.builds.map((x) => ended(x.id)));
  });

  it("compares per ref: a tag not built yet is built, at the tagged commit, then up to date", async () => {
    await git(work, "tag", "-a", "v1", "-m", "v1");
    await git(work, "push", "--quiet", "--", bare, "refs/tags/v1");
    const head = await git(work, "rev-parse", "HEAD");
    const a = await schedule({ targets: ["svc"], ref: "v1", changedOnly: true });
    expect(a.builds).toHaveLength(1);
    expect(a.builds[0]!.source).toMatchObject({ ref: "v1", commit: head });
    expect((await ended(a.builds[0]!.id)).status).toBe("succeeded");
    const again = await schedule({ targets: ["svc"], ref: "v1", changedOnly: true });
    expect(again.builds).toEqual([]);
    expect(reasons(again).svc).toMatch(/^up to date: v1 is still at/);
  });

  it("a source git cannot read is skipped with git's reason; the others still answer", async () => {
    const a = await schedule({ targets: ["gone", "svc"], changedOnly: true });
    expect(a.builds).toEqual([]);
    expect(reasons(a).gone).toMatch(/^could not read main with git ls-remote: /);
    expect(reasons(a).svc).toMatch(/^up to date/);
  });

  it("without changedOnly every scheduled target is built as before", async () => {
    const a = await schedule({ targets: ["svc"] });
    expect(a.builds.map((x) => x.target)).toEqual(["svc"]);
    expect(a.skipped).toBeUndefined();
    await ended(a.builds[0]!.id);
  });

  it("comfyume-build schedule --changed-only sends it and prints a line per target skipped", async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), "schedule-cli-"));
    try {
      const r = await cli(["schedule", "--changed-only"], {
        env: { BUILDER_URL: b.url, BUILDER_TOKEN: API_TOKEN },
        cwd,
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines.find((l) => l.startsWith("skipped\tsvc\t"))).toMatch(
        /^skipped\tsvc\tup to date: main is still at/,
      );
      expect(lines.find((l) => l.startsWith("skipped\tquick\t"))).toContain("is a directory");
      expect(lines.filter((l) => !l.startsWith("skipped\t"))).toEqual([]);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
