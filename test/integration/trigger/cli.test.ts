// comfyume-build against a real builder (port 0, real buildx, the authenticated registry):
// every command, every exit code, --json validated against the shared schema.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRecordSchema } from "../../../common/build-record.js";
import {
  API_TOKEN,
  READ_TOKEN,
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { makeGitRepo, type GitRepo } from "../../helpers/git-repo.js";
import { BUSYBOX } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";
import { addSmokeTargets, cli, countLines, type CliOptions } from "./trigger-fixture.js";

let repo: GitRepo;
let fx: BuilderFixture;
let builder: InProcessBuilder;
let cwd: string;
let opts: CliOptions;

beforeAll(async () => {
  repo = await makeGitRepo();
  fx = await createBuilderFixture({ gitUrl: repo.fileUrl });
  await addSmokeTargets(fx, BUSYBOX());
  builder = await startBuilder(fx);
  // An empty working directory: no .env from the repository leaks in.
  cwd = await mkdtemp(path.join(os.tmpdir(), "trigger-cwd-"));
  opts = { env: { BUILDER_URL: builder.url, BUILDER_TOKEN: API_TOKEN }, cwd };
});
afterAll(async () => {
  await builder?.stop();
  await fx?.cleanup();
  await repo?.cleanup();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const nonce = () => `--build-arg=NONCE=${randomUUID().slice(0, 8)}`;
const record = (stdout: string) => buildRecordSchema.parse(JSON.parse(stdout));

describe("submit", () => {
  it("follows a build to success (exit 0) with live log, phases and a summary", async () => {
    const r = await cli(["submit", "quick", nonce()], opts);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/quick build [0-9a-f]{8}/);
    expect(r.stdout).toMatch(/==> build \S+ queued for target quick/);
    expect(r.stdout).toMatch(/==> build succeeded in /);
    expect(r.stdout).toMatch(/Build \S+ succeeded in /);
    expect(r.stdout).toMatch(/digest\s+sha256:[0-9a-f]{64}/);
    expect(r.stdout).toContain("/quick:quick");
    expect(r.stdout).toContain("published (every tag points at the digest)");
    expect(r.stdout).toMatch(/log\s+comfyume-build logs \S+/);
    expect(r.stdout).not.toContain("\x1b[");
  });

  it("builds a git ref and prints only the record on stdout with --json", async () => {
    const r = await cli(["submit", "hooked", "--ref", "v1.0", "--json"], opts);
    expect(r.code).toBe(0);
    const rec = record(r.stdout);
    expect(rec).toMatchObject({
      status: "succeeded",
      target: "hooked",
      source: { kind: "git", ref: "v1.0" },
    });
    expect(rec.source.kind === "git" && rec.source.commit).toBe(repo.commits.first);
    expect(rec.digest).toMatch(/^sha256:/);
    expect(r.stderr).toMatch(/Build \S+ succeeded/);
  });

  it("uploads --context honouring .dockerignore: the large file is not sent", async () => {
    const dir = path.join(cwd, "ctx");
    await mkdir(path.join(dir, "src"), { recursive: true });
    await writeFile(
      path.join(dir, "Dockerfile"),
      `FROM ${BUSYBOX()}\nCOPY . /ctx\nRUN ls -R /ctx && test ! -e /ctx/big.bin && test ! -e /ctx/logs && test -f /ctx/src/app.py && test -f /ctx/keep.log\n`,
    );
    await writeFile(
      path.join(dir, ".dockerignore"),
      "# not part of the image\n/big.bin\nlogs\n*.log\n!keep.log\n",
    );
    await writeFile(path.join(dir, "big.bin"), Buffer.alloc(32 * 1024 * 1024, 1));
    await mkdir(path.join(dir, "logs"));
    await writeFile(path.join(dir, "logs", "a.txt"), "x");
    await writeFile(path.join(dir, "drop.log"), "x");
    await writeFile(path.join(dir, "keep.log"), "kept");
    await writeFile(path.join(dir, "src", "app.py"), "print('hi')\n");
    const r = await cli(["submit", "upload", "--context", dir, "--no-push", "--json"], opts);
    expect(r.stderr).toMatch(/sent 4 files/);
    expect(r.code).toBe(0);
    const rec = record(r.stdout);
    expect(rec.source.kind).toBe("upload");
    // The 32 MiB file would not compress to this: it was never sent.
    expect(rec.source.kind === "upload" && rec.source.bytes).toBeLessThan(64 * 1024);
    expect(rec.source.kind === "upload" && rec.source.files).toBe(4);
  });

  it("exits 1 when the build fails, with buildx's message", async () => {
    const r = await cli(["submit", "fail", "--no-push"], opts);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("about to fail");
    expect(r.stdout).toMatch(/error\s+BUILD_FAILED: /);
    // The builder's message is said once (the summary); buildx's own lines are the log.
    const message = /error\s+BUILD_FAILED: (.+)/.exec(r.stdout)![1]!;
    expect(r.stdout.split(message).length - 1).toBe(1);
    expect(r.stdout).toMatch(/==> build failed in \S+ m?s\n/);
    expect(r.stdout).not.toMatch(/phase build failed|build failed \(BUILD_FAILED\)/);
  });

  it("exits 3 when a smoke test fails, and 0 with the results when they pass", async () => {
    const failed = await cli(["submit", "smokefail", nonce(), "--json"], opts);
    expect(failed.code).toBe(3);
    expect(record(failed.stdout)).toMatchObject({
      status: "failed",
      error: { code: "SMOKE_FAILED" },
      smoke: { failed: 1 },
    });
    expect(failed.stderr).toMatch(/FAIL the image answers/);
    expect(failed.stderr).toMatch(
      /not published: the build ended with SMOKE_FAILED; \S+ still point where they did before/,
    );
    const passed = await cli(["submit", "smoked", nonce()], opts);
    expect(passed.code).toBe(0);
    expect(passed.stdout).toMatch(/smoke\s+1 passed, 0 failed/);
    expect(passed.stdout).toMatch(/PASS the image answers/);
  });

  it("exits 2 for usage errors, locally and from the builder", async () => {
    const local = await cli(["submit", "quick", "--platform", "amd64"], opts);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/--platform "amd64" is not valid/);
    const remote = await cli(["submit", "nosuch"], opts);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/nosuch/);
    const platform = await cli(["submit", "quick", "--platform", "linux/riscv64"], opts);
    expect(platform.code).toBe(2);
    expect(platform.stderr).toMatch(/platform "linux\/riscv64" is not supported by the buildx builder/);
  });

  it("exits 5 when unauthorized or unreachable", async () => {
    const wrong = await cli(["targets"], {
      ...opts,
      env: { ...opts.env, BUILDER_TOKEN: "wrong-token-0123456789" },
    });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/UNAUTHORIZED/);
    const readOnly = await cli(["submit", "quick"], {
      ...opts,
      env: { ...opts.env, BUILDER_TOKEN: READ_TOKEN },
    });
    expect(readOnly.code).toBe(5);
    expect(readOnly.stderr).toMatch(/FORBIDDEN/);
    const port = await closedPort();
    const down = await cli(["targets", "--url", `http://127.0.0.1:${port}`, "--wait-ready", "1"], opts);
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/builder at \S+ not ready \(ECONNREFUSED/);
    expect(down.stderr).toMatch(/was not ready within 1 s/);
  });
});

describe("detach, follow, cancel, retry, status, list, logs, targets, schedule", () => {
  it("--detach prints the id alone; cancel makes a follower exit 4", async () => {
    const started = await cli(
      [
        "submit",
        "slow",
        nonce(),
        "--build-arg",
        "LINES=60",
        "--build-arg",
        "DELAY=0.5",
        "--no-push",
        "--detach",
      ],
      opts,
    );
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^\S+\n$/);
    const id = started.stdout.trim();
    let seen = "";
    const following = cli(["logs", id, "--follow"], { ...opts, onStdout: (s) => (seen = s) });
    await waitFor(() => /slow line 2 of 60/.test(seen), { timeoutMs: 120_000, what: "the second slow line" });
    const cancelled = await cli(["cancel", id], opts);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`cancel requested for ${id}`);
    const followed = await following;
    expect(followed.code).toBe(4);
    const status = await cli(["status", id, "--json"], opts);
    expect(status.code).toBe(4);
    expect(record(status.stdout).status).toBe("cancelled");
    const again = await cli(["cancel", id], opts);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already ended/);
  });

  it("retry starts a new build with the same parameters", async () => {
    const first = await cli(["submit", "quick", nonce(), "--json"], opts);
    const id = record(first.stdout).id;
    const detached = await cli(["retry", id, "--detach"], opts);
    expect(detached.code).toBe(0);
    const newId = detached.stdout.trim();
    expect(newId).not.toBe(id);
    const followed = await cli(["retry", id, "--json"], opts);
    expect(followed.code).toBe(0);
    expect(record(followed.stdout)).toMatchObject({
      trigger: { kind: "retry", of: id },
      status: "succeeded",
    });
    const status = await cli(["status", newId, "--json"], opts);
    expect(record(status.stdout).trigger).toEqual({ kind: "retry", of: id });
  });

  it("status, list, logs and targets read what the builder has", async () => {
    const built = record((await cli(["submit", "quick", nonce(), "--json"], opts)).stdout);
    const status = await cli(["status", built.id], opts);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Build ${built.id} succeeded`);
    const listed = await cli(["list", "--target", "quick", "--limit", "2", "--json"], opts);
    expect(listed.code).toBe(0);
    const body = JSON.parse(listed.stdout) as { builds: unknown[] };
    expect(body.builds.length).toBeLessThanOrEqual(2);
    expect(body.builds.map((b) => buildRecordSchema.parse(b).id)).toContain(built.id);
    const table = await cli(["list", "--status", "succeeded"], opts);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+TARGET\s+STATUS/);
    expect(table.stdout).toContain(built.id);
    const logs = await cli(["logs", built.id], opts);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/quick build [0-9a-f]{8}/);
    const targets = await cli(["targets"], opts);
    expect(targets.code).toBe(0);
    expect(targets.stdout).toMatch(/^NAME\s+IMAGE/);
    expect(targets.stdout).toMatch(/\nquick\s+\S+\/quick/);
    const json = await cli(["targets", "--json"], opts);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain("smokefail");
  });

  it("schedule starts the scheduled targets", async () => {
    const r = await cli(["schedule", "--target", "quick"], opts);
    expect(r.code).toBe(0);
    const id = r.stdout.split("\t")[0]!;
    expect(r.stdout).toMatch(/^\S+\tquick\t/);
    const followed = await cli(["logs", id, "--follow"], opts);
    expect(followed.code).toBe(0);
  });

  it("reads BUILDER_URL and BUILDER_TOKEN from .env, real env winning", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "trigger-dotenv-"));
    try {
      await writeFile(path.join(dir, ".env"), `BUILDER_URL=${builder.url}\nBUILDER_TOKEN=${API_TOKEN}\n`);
      expect((await cli(["targets"], { env: {}, cwd: dir })).code).toBe(0);
      expect(
        (await cli(["targets"], { env: { BUILDER_TOKEN: "wrong-token-0123456789" }, cwd: dir })).code,
      ).toBe(5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("never prints a line twice across a follow", async () => {
    const r = await cli(
      ["submit", "slow", nonce(), "--build-arg", "LINES=8", "--build-arg", "DELAY=0.1", "--no-push"],
      opts,
    );
    expect(r.code).toBe(0);
    const counts = countLines(r.stdout, /slow line \d+ of 8 \([0-9a-f]{8}\)/);
    expect(counts.size).toBe(8);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
