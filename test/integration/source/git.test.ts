import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchGitSource, resolveRemoteRef } from "../../../builder/src/source/git.js";
import { SourceError } from "../../../builder/src/source/source-error.js";
import { git, makeGitRepo, type GitRepo } from "../../helpers/git-repo.js";
import { startGitHttpServer, type GitHttpServer } from "../../helpers/git-http-server.js";

const TOKEN = "ghp_TestToken_9f8e7d6c5b4a";
let repo: GitRepo;
let server: GitHttpServer;
let scratch: string;

beforeAll(async () => {
  repo = await makeGitRepo();
  server = await startGitHttpServer(path.dirname(repo.bare), TOKEN);
  scratch = await mkdtemp(path.join(os.tmpdir(), "git-src-"));
});
afterAll(async () => {
  await server?.close();
  await repo?.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

let n = 0;
const dest = () => path.join(scratch, `co-${++n}`);

describe("fetchGitSource over file://", () => {
  it.each([
    ["main", "second"],
    ["feature", "feature"],
    ["v1.0", "first"],
  ] as const)("shallow-fetches %s and resolves the full commit", async (ref, which) => {
    const dir = dest();
    const { commit } = await fetchGitSource({ url: repo.fileUrl, ref, dest: dir });
    expect(commit).toBe(repo.commits[which]);
    expect(await git(dir, "rev-parse", "HEAD")).toBe(commit);
    expect(await git(dir, "rev-parse", "--is-shallow-repository")).toBe("true");
    expect(await git(dir, "rev-list", "--count", "HEAD")).toBe("1");
    expect(await readFile(path.join(dir, "app/Dockerfile"), "utf8")).toBe("FROM scratch\n");
  });

  it("fetches a full SHA", async () => {
    const dir = dest();
    const { commit } = await fetchGitSource({ url: repo.fileUrl, ref: repo.commits.first, dest: dir });
    expect(commit).toBe(repo.commits.first);
    expect(await readdir(dir)).not.toContain("README.md");
  });

  it("says which ref is missing", async () => {
    const err = await fetchGitSource({ url: repo.fileUrl, ref: "v9.9", dest: dest() }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ code: "SOURCE_FAILED", message: `ref v9.9 not found in ${repo.fileUrl}` });
  });

  it("resolves remote refs with ls-remote (annotated tags peeled) and full SHAs to themselves", async () => {
    expect(await resolveRemoteRef({ url: repo.fileUrl, ref: "main" })).toBe(repo.commits.second);
    expect(await resolveRemoteRef({ url: repo.fileUrl, ref: "v1.0" })).toBe(repo.commits.first);
    expect(await resolveRemoteRef({ url: repo.fileUrl, ref: "feature" })).toBe(repo.commits.feature);
    const upper = repo.commits.first.toUpperCase();
    expect(await resolveRemoteRef({ url: "file:///nonexistent", ref: upper })).toBe(repo.commits.first);
    await expect(resolveRemoteRef({ url: repo.fileUrl, ref: "nope" })).rejects.toThrow(
      `ref nope not found in ${repo.fileUrl}`,
    );
  });
});

describe("refs and URLs are validated before any process starts", () => {
  it.each([
    "-oProxyCommand=x",
    "--upload-pack=x",
    "a..b",
    "\nx",
    "main\n--upload-pack=x",
    "",
    " main",
    "a b",
  ])("rejects ref %j", async (ref) => {
    const commands: (readonly string[])[] = [];
    const dir = dest();
    const err = await fetchGitSource({
      url: repo.fileUrl,
      ref,
      dest: dir,
      onCommand: (a) => commands.push(a),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "INVALID_REQUEST", status: 400 });
    expect((err as Error).message).toContain(JSON.stringify(ref));
    await expect(
      resolveRemoteRef({ url: repo.fileUrl, ref, onCommand: (a) => commands.push(a) }),
    ).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    expect(commands).toEqual([]);
    await expect(readdir(dir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it.each(["-uhttp://x", "ext::sh -c id", "/local/path", "http://a b"])("rejects URL %j", async (url) => {
    await expect(fetchGitSource({ url, ref: "main", dest: dest() })).rejects.toMatchObject({
      code: "INVALID_REQUEST",
    });
  });
});

describe("private repository over smart HTTP with a token", () => {
  it("fetches with the token through askpass; the token is in no argv and no output line", async () => {
    const url = `${server.url}/repo.git`;
    const commands: (readonly string[])[] = [];
    const lines: string[] = [];
    const capture = {
      token: TOKEN,
      onCommand: (a: readonly string[]) => commands.push(a),
      onLine: (_s: string, l: string) => lines.push(l),
    };
    const dir = dest();
    const sessions = async () => (await readdir(os.tmpdir())).filter((f) => f.startsWith("comfyume-git-"));
    const before = new Set(await sessions());
    const { commit } = await fetchGitSource({ url, ref: "v1.0", dest: dir, ...capture });
    expect(commit).toBe(repo.commits.first);
    expect(await resolveRemoteRef({ url, ref: "feature", ...capture })).toBe(repo.commits.feature);
    expect(server.requests.some((r) => r.authorized && r.path.endsWith("git-upload-pack"))).toBe(true);
    expect(commands.length).toBeGreaterThan(3);
    for (const argv of [...commands, ...server.backendArgv]) expect(argv.join(" ")).not.toContain(TOKEN);
    expect(lines.join("\n")).not.toContain(TOKEN);
    // The checkout's own config must not remember the URL with credentials or the token.
    expect(await readFile(path.join(dir, ".git/config"), "utf8")).not.toContain(TOKEN);
    // The askpass script and its temp HOME are gone.
    expect((await sessions()).filter((d) => !before.has(d))).toEqual([]);
  });

  it("a wrong or missing token is a clear authentication failure with the token redacted", async () => {
    const url = `${server.url}/repo.git`;
    const lines: string[] = [];
    const wrong = "ghp_WrongToken_0000000000";
    const err = await fetchGitSource({
      url,
      ref: "main",
      dest: dest(),
      token: wrong,
      onLine: (_s, l) => lines.push(l),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SOURCE_FAILED" });
    expect((err as Error).message).toBe(
      `authentication failed for ${url}; check the token (tokenEnv) and its access`,
    );
    expect(lines.join("\n")).not.toContain(wrong);
    await expect(resolveRemoteRef({ url, ref: "main" })).rejects.toThrow(/^authentication failed for /);
  });

  it("a missing ref over HTTP names the ref", async () => {
    await expect(
      fetchGitSource({ url: `${server.url}/repo.git`, ref: "v9.9", dest: dest(), token: TOKEN }),
    ).rejects.toThrow(`ref v9.9 not found in ${server.url}/repo.git`);
  });

  it("cancelling stops git and says so", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      fetchGitSource({
        url: `${server.url}/repo.git`,
        ref: "main",
        dest: dest(),
        token: TOKEN,
        signal: ac.signal,
      }),
    ).rejects.toMatchObject({ code: "CANCELLED" });
  });
});
