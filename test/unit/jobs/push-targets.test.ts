// Which targets a push builds (SPEC §4 POST /v1/hooks/github) and the reason given for
// every other one: repository, refs globs (default: the defaultRef branch), watch globs,
// and pushes whose changed paths are unknown.
import { describe, expect, it } from "vitest";
import { builderConfigSchema } from "../../../builder/src/config/builder-config.js";
import { parsePushEvent } from "../../../builder/src/jobs/push-event.js";
import { planPushTargets } from "../../../builder/src/jobs/push-targets.js";
import { effectiveRefGlobs, matchesRefs } from "../../../builder/src/jobs/repo-match.js";

const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const image = (n: string) => `ghcr.io/acme/${n}`;
const config = builderConfigSchema.parse({
  sources: {
    app: { git: "https://github.com/acme/app.git", defaultRef: "main" },
    other: { git: "https://github.com/acme/other.git" },
    local: { path: "./x" },
  },
  targets: {
    worker: { source: "app", image: image("worker"), watch: ["worker/**"] },
    docs: { source: "app", image: image("docs"), watch: ["docs/**"] },
    release: { source: "app", image: image("release"), refs: ["refs/tags/v*"] },
    branches: { source: "app", image: image("branches"), refs: ["refs/heads/**"], watch: ["**"] },
    quiet: { source: "app", image: image("quiet") },
    elsewhere: { source: "other", image: image("elsewhere"), watch: ["**"] },
    dir: { source: "local", image: image("dir"), watch: ["**"] },
  },
});

const push = (over: Record<string, unknown>, paths: string[] = []) =>
  parsePushEvent({
    ref: "refs/heads/main",
    after: SHA,
    repository: { full_name: "acme/app", clone_url: "https://github.com/acme/app.git" },
    commits: [{ id: SHA, added: paths, modified: [], removed: [] }],
    ...over,
  });

const plan = (over: Record<string, unknown>, paths?: string[]) => planPushTargets(config, push(over, paths));

describe("planPushTargets", () => {
  it.each([
    ["a push to main touching worker/", {}, ["worker/Dockerfile"], ["branches", "worker"]],
    [
      "a push to main touching docs/ and worker/",
      {},
      ["docs/a.md", "worker/x"],
      ["branches", "docs", "worker"],
    ],
    ["a push to main touching nothing watched", {}, ["README.md"], ["branches"]],
    ["a push to a feature branch", { ref: "refs/heads/feature/x" }, ["worker/x"], ["branches"]],
    ["a tag push matching v*", { ref: "refs/tags/v1.2.0", commits: [] }, [], ["release"]],
    ["a tag push not matching v*", { ref: "refs/tags/nightly", commits: [] }, [], []],
    ["a forced push to main", { forced: true, commits: [] }, [], ["branches", "docs", "worker"]],
    ["a push to main without commits", { commits: undefined }, [], ["branches", "docs", "worker"]],
    [
      "main created at an existing commit",
      { created: true, commits: [] },
      [],
      ["branches", "docs", "worker"],
    ],
    ["a push to the other repository", { repository: { full_name: "acme/other" } }, ["a"], ["elsewhere"]],
  ])("%s builds %o", (_name, over, paths, want) => {
    const result = plan(over, paths);
    expect(result.build).toEqual(want);
    // Every configured target is either built or skipped with a reason.
    expect([...result.build, ...result.skipped.map((s) => s.target)].sort()).toEqual(
      Object.keys(config.targets).sort(),
    );
    for (const s of result.skipped) expect(s.reason).toMatch(/\S{3}/);
  });

  it("says why each target was not built", () => {
    const reasons = Object.fromEntries(plan({}, ["README.md"]).skipped.map((s) => [s.target, s.reason]));
    expect(reasons.worker).toBe('no changed path ("README.md") matches its watch globs ("worker/**")');
    expect(reasons.release).toBe('refs/heads/main matches none of its refs ("refs/tags/v*")');
    expect(reasons.quiet).toBe("it sets neither watch nor refs, so pushes do not build it");
    expect(reasons.elsewhere).toBe('its source "other" is another repository than acme/app');
    expect(reasons.dir).toBe('its source "local" is a directory, not a git repository');
    const feature = Object.fromEntries(
      plan({ ref: "refs/heads/dev" }, ["worker/x"]).skipped.map((s) => [s.target, s.reason]),
    );
    expect(feature.worker).toBe(
      `refs/heads/dev matches none of its refs ("refs/heads/main"), the default from the source's defaultRef`,
    );
  });
});

describe("refs globs", () => {
  it("default to the source's defaultRef branch", () => {
    expect(effectiveRefGlobs(undefined, "main")).toEqual(["refs/heads/main"]);
    expect(effectiveRefGlobs(["refs/tags/*"], "main")).toEqual(["refs/tags/*"]);
  });

  // '*' stops at '/', '**' crosses it: the same reading as GitHub Actions' branch and tag filters.
  it.each([
    [["refs/heads/main"], "refs/heads/main", true],
    [["refs/heads/main"], "refs/heads/main2", false],
    [["refs/heads/main"], "refs/tags/main", false],
    [["refs/tags/v*"], "refs/tags/v1.2.0", true],
    [["refs/tags/v*"], "refs/tags/release-1", false],
    [["refs/heads/*"], "refs/heads/feature/x", false],
    [["refs/heads/**"], "refs/heads/feature/x", true],
    [["refs/heads/release/*", "refs/tags/*"], "refs/heads/release/1.0", true],
  ])("%o vs %s -> %s", (globs, ref, want) => expect(matchesRefs(globs, ref)).toBe(want));

  it.each([
    ["main", "full refs"],
    ["heads/main", "full refs"],
    ["refs/remotes/origin/main", "full refs"],
    ["refs/heads/a\u0001", "control characters"],
  ])("config refs %s is refused", (glob, message) => {
    const parsed = builderConfigSchema.safeParse({
      sources: { app: { git: "https://github.com/acme/app.git" } },
      targets: { w: { source: "app", image: image("w"), refs: [glob] } },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["targets", "w", "refs", 0]);
    expect(parsed.error?.issues[0]?.message).toContain(message);
  });
});
