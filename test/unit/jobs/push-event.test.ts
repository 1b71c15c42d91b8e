// Reading GitHub push payloads: octokit/webhooks' own examples as GitHub sends them, the
// pushes whose changed paths are unknown, and the refs that must be refused before
// anything is stored (SPEC §3: payload refs follow the API's ref rules).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parsePushEvent } from "../../../builder/src/jobs/push-event.js";
import { isServiceError } from "../../../builder/src/jobs/service-error.js";

const DIR = path.resolve("test/fixtures/github/push");
const octokit = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(path.join(DIR, f), "utf8")) as Record<string, unknown>] as const);

const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const OTHER = "0123456789abcdef0123456789abcdef01234567";
const base = (over: Record<string, unknown> = {}) => ({
  ref: "refs/heads/main",
  before: OTHER,
  after: SHA,
  created: false,
  deleted: false,
  forced: false,
  repository: { full_name: "acme/app", clone_url: "https://github.com/acme/app.git" },
  commits: [{ id: SHA, added: ["a.txt"], modified: ["app/x"], removed: [] }],
  head_commit: { id: SHA },
  ...over,
});

function refusal(payload: unknown): { message: string; issues?: { path: string }[] } {
  try {
    parsePushEvent(payload);
  } catch (err) {
    if (isServiceError(err) && err.code === "INVALID_REQUEST") return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(payload).slice(0, 200)}`);
}

describe("octokit/webhooks push examples", () => {
  it("has all nine examples", () => expect(octokit).toHaveLength(9));

  // What each example is, read from the payload's own fields (ref, created, deleted, commits).
  const expected: Record<string, { kind: "branch" | "tag"; deleted: boolean; paths?: string[] }> = {
    "api.github.com--1.json": { kind: "tag", deleted: true },
    "api.github.com--payload.json": { kind: "tag", deleted: true },
    "api.github.com--with-installation.json": { kind: "tag", deleted: true },
    "api.github.com--with-organization.json": { kind: "tag", deleted: true },
    "github.ae--event.json": { kind: "tag", deleted: true },
    "api.github.com--with-new-branch.json": { kind: "branch", deleted: false, paths: ["README.md"] },
    "api.github.com--with-no-username-committer.json": {
      kind: "branch",
      deleted: false,
      paths: ["README.md"],
    },
    "ghes-34--payload.json": { kind: "tag", deleted: false },
    "ghes-35--payload.json": { kind: "tag", deleted: false },
  };

  it.each(octokit)("%s", (name, payload) => {
    const want = expected[name]!;
    const event = parsePushEvent(payload);
    expect(event).toMatchObject({
      ref: payload.ref,
      kind: want.kind,
      deleted: want.deleted,
      repositoryName: "Codertocat/Hello-World",
    });
    expect(event.name).toBe(want.kind === "tag" ? "simple-tag" : "master");
    if (!want.deleted) {
      expect(event.commit).toBe(payload.after);
      expect(event.paths).toEqual(want.paths);
      if (want.paths === undefined) expect(event.unknownWhy).toBe("a tag push lists no changed paths");
    }
  });
});

describe("pushes whose changed paths are unknown", () => {
  it.each([
    ["tag push", { ref: "refs/tags/v1.2.0", commits: [] }, "a tag push lists no changed paths"],
    ["forced push back to an older commit", { forced: true, commits: [] }, "forced push"],
    ["forced push listing commits", { forced: true }, "forced push"],
    [
      "branch created at an existing commit",
      { created: true, before: "0".repeat(40), commits: [] },
      "created at an existing commit",
    ],
    ["push listing no commits", { commits: [] }, "lists no commits"],
    ["payload without commits", { commits: undefined }, "has no commits list"],
    ["commits not a list", { commits: "x" }, "is not a list"],
    [
      "2048 commits (GitHub's cap)",
      { commits: Array.from({ length: 2048 }, () => ({ added: ["a"] })) },
      "may be cut",
    ],
    [
      "a commit listing 3000 paths",
      { commits: [{ modified: Array.from({ length: 3000 }, (_, i) => `f${i}`) }] },
      "may be cut",
    ],
  ])("%s", (_name, over: Record<string, unknown>, why) => {
    const payload: Record<string, unknown> = base(over);
    if (over.commits === undefined && "commits" in over) delete payload.commits;
    const event = parsePushEvent(payload);
    expect(event.paths).toBeUndefined();
    expect(event.unknownWhy).toContain(why);
  });

  it("an ordinary push lists its paths", () => {
    expect(parsePushEvent(base()).paths?.sort()).toEqual(["a.txt", "app/x"]);
  });

  it("an annotated tag builds the commit head_commit names, not the tag object in after", () => {
    const tagObject = "f".repeat(40);
    const event = parsePushEvent(base({ ref: "refs/tags/v2.0", after: tagObject, head_commit: { id: SHA } }));
    expect(event).toMatchObject({ kind: "tag", name: "v2.0", commit: SHA });
    // A branch push always builds `after`.
    expect(parsePushEvent(base({ head_commit: { id: OTHER } })).commit).toBe(SHA);
  });

  it("a deletion (after all zeros) is recognised with or without deleted: true", () => {
    expect(parsePushEvent(base({ after: "0".repeat(40), deleted: true })).deleted).toBe(true);
    expect(parsePushEvent(base({ after: "0".repeat(40) })).deleted).toBe(true);
  });
});

describe("payloads refused before anything is stored", () => {
  it.each([
    ["an option smuggled into a branch name", "refs/heads/--output=type=local,dest=/tmp/x\u0001\n"],
    ["a control character", "refs/heads/ma\u0007in"],
    ["a newline", "refs/heads/main\nrefs/heads/other"],
    ["a tag starting with '-'", "refs/tags/-v1"],
    ["'..'", "refs/heads/a..b"],
    ["a space", "refs/heads/a b"],
    ["'.lock'", "refs/heads/x.lock"],
    ["an empty name", "refs/heads/"],
    ["not a branch or tag", "refs/pull/1/head"],
    ["a short name", "main"],
    ["not a string", 42],
    ["missing", undefined],
  ])("ref: %s", (_name, ref) => {
    const err = refusal(base({ ref }));
    expect(err.issues?.[0]?.path).toBe("ref");
    // The message quotes the value escaped: it stays on one line.
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it.each([
    ["after", { after: "HEAD" }],
    ["after", { after: "A".repeat(40) }],
    ["repository", { repository: null }],
    ["repository", { repository: {} }],
    ["repository.full_name", { repository: { full_name: "acme/app\nX-Injected: 1" } }],
    ["repository.full_name", { repository: { full_name: "../../etc" } }],
    ["repository.clone_url", { repository: { full_name: "a/b", clone_url: "https://x/\u0000" } }],
    ["(root)", null],
  ])("%s: %o", (field, over) => {
    const payload = over === null ? null : base(over);
    expect(refusal(payload).issues?.[0]?.path).toBe(field);
  });
});
