// Verdicts on real images built in the stack: FROM scratch, an image without `stat`, a
// non-root USER with a 0700 directory, CR in output. Each test in
// test/fixtures/smoke/semantics/*.yaml is named after the verdict container-structure-test
// gives it ("PASS: ..." / "FAIL: ..."), with the reason from its source beside it; every
// result here must agree. File metadata is also checked against the Docker daemon's own
// archive API, which is what the docker driver reads.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SmokeSummary } from "../../../common/build-record.js";
import { runSmoke } from "../../../builder/src/smoke/run-smoke.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";
import { DOCKER } from "./fixture-image.js";
import {
  buildSemanticImages,
  readThroughDaemon,
  SEMANTICS_DIR,
  type SemanticImage,
  type SemanticImages,
} from "./semantic-images.js";

let images: SemanticImages;
beforeAll(async () => {
  images = await buildSemanticImages();
});
afterAll(async () => {
  await images?.cleanup();
});

function smokeFile(name: string, image: SemanticImage, hostEnv?: Record<string, string>) {
  return runSmoke({
    file: path.join(SEMANTICS_DIR, name),
    image: { kind: "registry", ref: images.refs[image] },
    docker: DOCKER,
    env: images.env,
    ...(hostEnv ? { hostEnv } : {}),
  });
}

/** [name, passed] for each result whose verdict is not the one its name states. */
function disagreements(summary: SmokeSummary): [string, boolean, string | undefined][] {
  return summary.results
    .filter((r) => r.name !== "Metadata Test" && r.name !== "License Test")
    .filter((r) => r.passed !== r.name.startsWith("PASS:"))
    .map((r) => [r.name, r.passed, r.message]);
}

describe("container-structure-test's verdicts on real images", () => {
  it.each([
    ["scratch.yaml", "scratch"],
    ["nostat.yaml", "nostat"],
    ["nonroot.yaml", "nonroot"],
  ] as const)("%s against the %s image", async (file, image) => {
    const summary = await smokeFile(file, image);
    expect(disagreements(summary)).toEqual([]);
    const metadata = summary.results.find((r) => r.name === "Metadata Test");
    if (metadata) expect(metadata).toMatchObject({ passed: true });
  });

  it("extended.yaml: globals, run options, merge keys, YAML 1.1 booleans and license tests", async () => {
    const summary = await smokeFile("extended.yaml", "nostat", { FROMHOST: "from-host" });
    expect(disagreements(summary)).toEqual([]);
    expect(summary.results.filter((r) => r.kind === "license").map((r) => [r.passed, r.message])).toEqual([
      [true, undefined],
      [false, "Invalid license for /opt/f, license contains WTFPL"],
    ]);
    expect(summary.results.at(-1)).toMatchObject({ name: "Metadata Test", passed: true });
  });

  it("v1.yaml: schemaVersion 1.0.0, with the test Validate() refuses skipped", async () => {
    const lines: string[] = [];
    const summary = await runSmoke({
      file: path.join(SEMANTICS_DIR, "v1.yaml"),
      image: { kind: "registry", ref: images.refs.nostat },
      docker: DOCKER,
      env: images.env,
      onLine: (l) => lines.push(l),
    });
    expect(summary.results.map((r) => [r.name, r.passed])).toEqual([
      ["PASS: a v1 command list", true],
      ["PASS: a v1 existence test", true],
    ]);
    expect(lines).toContain(
      "skipped (container-structure-test skips it too): (unnamed): Please provide a valid name for every test",
    );
  });

  it("runs command tests as uid:0 where BuildKit cannot resolve a bare uid (no /etc/passwd)", async () => {
    const summary = await runSmoke({
      file: parseSmokeFile(
        'schemaVersion: "2.0.0"\ncommandTests: [{name: t, command: /bin/tool}]\ncontainerRunOptions: {user: "1000"}\n',
      ),
      image: { kind: "registry", ref: images.refs.scratch },
      docker: DOCKER,
      env: images.env,
    });
    // Docker starts uid 1000 fine; the file is not a program, so the container cannot start.
    expect(summary.results).toMatchObject([
      { passed: false, message: 'error creating container: exec: "/bin/tool": exec format error' },
    ]);
  });

  it("fails command tests, and only those, when the USER does not exist", async () => {
    const summary = await runSmoke({
      file: parseSmokeFile(
        'schemaVersion: "2.0.0"\ncommandTests: [{name: t, command: "true"}]\nfileExistenceTests: [{name: f, path: /bin/sh}]\ncontainerRunOptions: {user: nobody-here}\n',
      ),
      image: { kind: "registry", ref: images.refs.nostat },
      docker: DOCKER,
      env: images.env,
    });
    expect(summary.results.map((r) => [r.name, r.passed, r.message])).toEqual([
      [
        "t",
        false,
        "error creating container: unable to find user nobody-here: no matching entries in passwd file",
      ],
      ["f", true, undefined],
    ]);
  });
});

describe("file metadata is what the daemon's archive API reports", () => {
  const paths: Record<SemanticImage, string[]> = {
    scratch: [
      "/",
      "/data",
      "/data/crlf.txt",
      "/bin/tool",
      "/etc",
      "/etc/hosts",
      "/etc/mtab",
      "/dev",
      "/dev/null",
      "/proc",
      "/nonexistent",
      "data/../data/crlf.txt",
    ],
    nostat: [
      "/bin",
      "/bin/",
      "/bin/sh",
      "/bin/busybox",
      "/opt/f",
      "/opt",
      "/tmp",
      "/etc/passwd",
      "/proc/self",
      "/dev/shm",
      "/etc/passwd/",
      "/bin/../opt/f",
      "/.dockerenv",
    ],
    nonroot: ["/secret", "/secret/f", "/work", "/root", "/etc/hostname", "/etc/resolv.conf"],
  };

  it.each(Object.keys(paths) as SemanticImage[])("%s", async (image) => {
    const daemon = await readThroughDaemon(images.tags[image], paths[image], images.env);
    const tests = paths[image].map((p, i) => {
      const entry = daemon.get(p);
      return entry
        ? {
            name: `${i} ${p}`,
            path: p,
            shouldExist: true,
            permissions: entry.permissions,
            uid: entry.uid,
            gid: entry.gid,
          }
        : { name: `${i} ${p}`, path: p, shouldExist: false };
    });
    const summary = await runSmoke({
      file: parseSmokeFile(
        JSON.stringify({ schemaVersion: "2.0.0", fileExistenceTests: tests }),
        "daemon.json",
      ),
      image: { kind: "registry", ref: images.refs[image] },
      docker: DOCKER,
      env: images.env,
    });
    expect(summary.results.filter((r) => !r.passed).map((r) => [r.name, r.message])).toEqual([]);
    expect(summary.results).toHaveLength(paths[image].length);
  });
});
