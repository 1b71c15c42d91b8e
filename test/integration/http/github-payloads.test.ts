// GitHub's own push payloads (octokit/webhooks' examples, test/fixtures/github/push) and
// the pushes GitHub sends that list no changed paths (tag, forced, branch created at an
// existing commit, no commits at all), signed with a real HMAC, sent as JSON and as
// GitHub's form encoding to a real builder that clones from a real git HTTP server.
// Only the repository URLs and commit SHAs are pointed at the test repository.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../../common/build-record.js";
import {
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { startGitHttpServer, type GitHttpServer } from "../../helpers/git-http-server.js";
import { git } from "../../helpers/git-repo.js";
import { BUSYBOX } from "../../helpers/stack-env.js";
import { signGithub, waitForEnd } from "../../helpers/builder-api.js";

const FIXTURES = path.resolve("test/fixtures/github/push");
const OCTOKIT_SHAS = ["6113728f27ae82c7b1a177c8d03f9e96e0adf246", "4544205a385319fd846d5df4ed2e3b8173529d78"];
const OCTOKIT_URLS = [
  "https://github.com/Codertocat/Hello-World",
  "https://octocoders.github.io/Codertocat/Hello-World",
];
const ZERO = "0".repeat(40);

let root: string;
let server: GitHttpServer;
let fx: BuilderFixture;
let b: InProcessBuilder;
let repoUrl: string;
/** c1: app/Dockerfile + README.md; c2: README.md changed (master, tag simple-tag); v2.0: annotated tag on c1. */
const commits = { c1: "", c2: "", v2Tag: "" };

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "hook-payloads-"));
  const work = path.join(root, "work");
  await mkdir(path.join(work, "app"), { recursive: true });
  await writeFile(
    path.join(work, "app", "Dockerfile"),
    `FROM ${BUSYBOX()}\nCOPY . /app\nRUN --network=none echo built\n`,
  );
  await writeFile(path.join(work, "README.md"), "one\n");
  await git(work, "init", "--quiet", "--initial-branch=master");
  const commit = async (message: string) => {
    await git(work, "add", ".");
    await git(work, "commit", "--quiet", "-m", message);
    return git(work, "rev-parse", "HEAD");
  };
  commits.c1 = await commit("one");
  await git(work, "tag", "-a", "v2.0", "-m", "release 2.0", commits.c1);
  await writeFile(path.join(work, "README.md"), "two\n");
  commits.c2 = await commit("two");
  await git(work, "tag", "simple-tag");
  commits.v2Tag = await git(work, "rev-parse", "refs/tags/v2.0");
  const served = path.join(root, "served");
  await mkdir(path.join(served, "Codertocat"), { recursive: true });
  await git(
    root,
    "clone",
    "--quiet",
    "--bare",
    "--",
    work,
    path.join(served, "Codertocat", "Hello-World.git"),
  );
  server = await startGitHttpServer(served);
  repoUrl = `${server.url}/Codertocat/Hello-World`;

  fx = await createBuilderFixture();
  const config = JSON.parse(await readFile(fx.configFile, "utf8")) as {
    sources: Record<string, unknown>;
    targets: Record<string, { image: string }>;
  };
  const prefix = config.targets.quick!.image.replace(/\/quick$/, "");
  const target = (name: string, extra: Record<string, unknown>) => ({
    source: "hello",
    context: "app",
    dockerfile: "app/Dockerfile",
    image: `${prefix}/${name}`,
    tags: ["{ref}", "sha-{shortSha}"],
    push: false,
    ...extra,
  });
  config.sources.hello = { git: `${repoUrl}.git`, defaultRef: "master" };
  Object.assign(config.targets, {
    "main-app": target("main-app", { watch: ["app/**"] }),
    readme: target("readme", { watch: ["README.md"] }),
    releases: target("releases", { refs: ["refs/tags/*"], push: true }),
    everything: target("everything", { refs: ["refs/heads/**", "refs/tags/**"], watch: ["**"] }),
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

interface HookAnswer {
  builds: BuildRecord[];
  skipped?: { target: string; reason: string }[];
  ignored?: string;
}

/** An octokit example with its repository and commits pointed at the test repository. */
async function octokitPayload(file: string, sha = commits.c2): Promise<Record<string, unknown>> {
  let text = await readFile(path.join(FIXTURES, file), "utf8");
  for (const url of OCTOKIT_URLS) text = text.replaceAll(url, repoUrl);
  for (const s of OCTOKIT_SHAS) text = text.replaceAll(s, sha);
  return JSON.parse(text) as Record<string, unknown>;
}

const sign = signGithub;
let deliveries = 0;

async function deliver(
  payload: unknown,
  opts: { form?: boolean; event?: string } = {},
): Promise<{ status: number; body: HookAnswer; ms: number }> {
  const json = JSON.stringify(payload);
  const body = opts.form ? `payload=${encodeURIComponent(json)}` : json;
  const started = performance.now();
  const res = await fetch(`${b.url}/v1/hooks/github`, {
    method: "POST",
    headers: {
      "content-type": opts.form ? "application/x-www-form-urlencoded" : "application/json",
      "x-hub-signature-256": sign(body),
      "x-github-delivery": `payload-test-${++deliveries}`,
      "x-github-event": opts.event ?? "push",
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as HookAnswer, ms: performance.now() - started };
}

const builtTargets = (a: HookAnswer) => a.builds.map((x) => x.target).sort();
const skippedTargets = (a: HookAnswer) => (a.skipped ?? []).map((x) => x.target).sort();
/** The fixture's own targets build from a directory source: never from a push. */
const DIRECTORY_TARGETS = ["fail", "quick", "slow", "upload"];
const GIT_TARGETS = ["everything", "main-app", "readme", "releases"];
const started: BuildRecord[] = [];

const ended = (id: string) => waitForEnd(b, id, 240_000);

async function countBuilds(): Promise<number> {
  const res = await fetch(`${b.url}/v1/builds?limit=500`, { headers: b.read });
  return ((await res.json()) as { builds: unknown[] }).builds.length;
}

describe("octokit/webhooks push examples against a real builder", () => {
  const files = [
    "api.github.com--1.json",
    "api.github.com--payload.json",
    "api.github.com--with-installation.json",
    "api.github.com--with-organization.json",
    "github.ae--event.json",
  ];

  it.each(files)("%s deletes refs/tags/simple-tag: acknowledged, nothing built", async (file) => {
    const before = await countBuilds();
    const { status, body, ms } = await deliver(await octokitPayload(file));
    expect(status).toBe(202);
    expect(ms).toBeLessThan(1000);
    expect(body).toMatchObject({ builds: [], ignored: "refs/tags/simple-tag was deleted; nothing to build" });
    expect(await countBuilds()).toBe(before);
  });

  it.each(["api.github.com--with-new-branch.json", "api.github.com--with-no-username-committer.json"])(
    "%s (master created, README.md added) builds the targets watching README.md on master",
    async (file) => {
      const { status, body, ms } = await deliver(await octokitPayload(file));
      expect(status).toBe(202);
      expect(ms).toBeLessThan(1000);
      expect(builtTargets(body)).toEqual(["everything", "readme"]);
      const reasons = Object.fromEntries((body.skipped ?? []).map((s) => [s.target, s.reason]));
      expect(reasons["main-app"]).toBe('no changed path ("README.md") matches its watch globs ("app/**")');
      expect(reasons.releases).toBe('refs/heads/master matches none of its refs ("refs/tags/*")');
      for (const t of DIRECTORY_TARGETS) expect(reasons[t]).toContain("is a directory");
      for (const x of body.builds) {
        expect(x.source).toMatchObject({ kind: "git", ref: "master", commit: commits.c2 });
        expect(x.trigger).toMatchObject({
          kind: "webhook",
          ref: "refs/heads/master",
          repository: "Codertocat/Hello-World",
        });
      }
      started.push(...body.builds);
    },
  );

  it.each(["ghes-34--payload.json", "ghes-35--payload.json"])(
    "%s (tag simple-tag created, no commits) builds every target accepting the tag, {ref} = simple-tag",
    async (file) => {
      const { status, body } = await deliver(await octokitPayload(file));
      expect(status).toBe(202);
      expect(builtTargets(body)).toEqual(["everything", "releases"]);
      expect(skippedTargets(body)).toEqual([...DIRECTORY_TARGETS, "main-app", "readme"].sort());
      const releases = body.builds.find((x) => x.target === "releases")!;
      expect(releases.source).toMatchObject({ ref: "simple-tag", commit: commits.c2 });
      expect(releases.tags.map((t) => t.split(":").pop())).toEqual([
        "simple-tag",
        `sha-${commits.c2.slice(0, 7)}`,
      ]);
      started.push(...body.builds);
    },
  );
});

describe("pushes whose changed paths are unknown", () => {
  const base = () => octokitPayload("api.github.com--with-new-branch.json");

  it("a forced push back to an older commit builds every target accepting master, at that commit", async () => {
    const p = {
      ...(await base()),
      created: false,
      forced: true,
      before: commits.c2,
      after: commits.c1,
      commits: [],
      head_commit: { id: commits.c1 },
    };
    const { body } = await deliver(p);
    expect(builtTargets(body)).toEqual(["everything", "main-app", "readme"]);
    expect(body.builds.every((x) => x.source.kind === "git" && x.source.commit === commits.c1)).toBe(true);
    started.push(...body.builds);
  });

  it("a payload without commits builds every target accepting master", async () => {
    const p: Record<string, unknown> = { ...(await base()), created: false, before: commits.c1 };
    delete p.commits;
    const { body } = await deliver(p);
    expect(builtTargets(body)).toEqual(["everything", "main-app", "readme"]);
    started.push(...body.builds);
  });

  it("a branch created at an existing commit builds the targets accepting it, {ref} = the branch", async () => {
    const p = { ...(await base()), ref: "refs/heads/feature-x", before: ZERO, created: true, commits: [] };
    const { body } = await deliver(p);
    expect(builtTargets(body)).toEqual(["everything"]);
    expect(body.builds[0]!.tags[0]).toMatch(/:feature-x$/);
    const reasons = Object.fromEntries((body.skipped ?? []).map((s) => [s.target, s.reason]));
    expect(reasons.readme).toBe(
      `refs/heads/feature-x matches none of its refs ("refs/heads/master"), the default from the source's defaultRef`,
    );
    started.push(...body.builds);
  });

  it("an annotated tag builds the tagged commit (head_commit), not the tag object in after", async () => {
    const p = {
      ...(await base()),
      ref: "refs/tags/v2.0",
      before: ZERO,
      after: commits.v2Tag,
      created: true,
      commits: [],
      head_commit: { id: commits.c1 },
    };
    const { body } = await deliver(p);
    expect(builtTargets(body)).toEqual(["everything", "releases"]);
    expect(
      body.builds.every(
        (x) => x.source.kind === "git" && x.source.commit === commits.c1 && x.source.ref === "v2.0",
      ),
    ).toBe(true);
    started.push(...body.builds);
  });

  it("form-encoded (GitHub's default for hooks made through its API), signed over the form body", async () => {
    const { status, body } = await deliver(await octokitPayload("ghes-34--payload.json"), { form: true });
    expect(status).toBe(202);
    expect(builtTargets(body)).toEqual(["everything", "releases"]);
    started.push(...body.builds);
  });
});

describe("refs from payloads are validated like API refs", () => {
  it("a signed push with an option and control characters in its ref is 400, and nothing is stored", async () => {
    const before = await countBuilds();
    const deliveriesDir = path.join(fx.dataDir, "deliveries");
    const markers = async () => (await readdir(deliveriesDir).catch(() => [] as string[])).length;
    const markersBefore = await markers();
    const p = {
      ...(await octokitPayload("ghes-34--payload.json")),
      ref: "refs/heads/--output=type=local,dest=/tmp/x\u0001\n",
    };
    const { status, body } = await deliver(p);
    expect(status).toBe(400);
    const error = (
      body as unknown as { error: { code: string; message: string; issues: { path: string }[] } }
    ).error;
    expect(error.code).toBe("INVALID_REQUEST");
    expect(error.issues[0]!.path).toBe("ref");
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
    expect(await countBuilds()).toBe(before);
    expect(await markers()).toBe(markersBefore);
    // The service log line for it is one JSON line (the value escaped).
    const logged = b.logs.filter((l) => JSON.stringify(l).includes("--output=type=local"));
    for (const l of logged) expect(JSON.stringify(l)).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe("the builds started by these pushes", () => {
  it("all succeed, each at the commit its push named", async () => {
    expect(started.length).toBeGreaterThanOrEqual(10);
    for (const x of started) {
      const done = await ended(x.id);
      expect(done.status, `${x.target} ${x.id}: ${JSON.stringify(done.error)}`).toBe("succeeded");
      expect(done.source.kind === "git" && done.source.commit).toBe(
        x.source.kind === "git" && x.source.commit,
      );
    }
    expect(new Set(started.map((x) => x.target))).toEqual(new Set(GIT_TARGETS));
  });
});
