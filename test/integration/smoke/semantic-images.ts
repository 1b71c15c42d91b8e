// Builds the images of test/fixtures/smoke/semantics on the real stack (pushed to the
// authenticated registry, so also in the daemon's image store), and reads a path the way
// container-structure-test's docker driver does: `docker cp` of a created container,
// i.e. the daemon's archive API, whose first tar header is what StatFile returns.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { extract } from "tar-stream";
import { run, runChecked } from "../../../builder/src/process/spawn.js";
import { formatGoFileMode } from "../../../builder/src/smoke/file-mode.js";
import { BUSYBOX, stack } from "../../helpers/stack-env.js";
import { DOCKER } from "./fixture-image.js";

export const SEMANTICS_DIR = path.resolve("test/fixtures/smoke/semantics");
export type SemanticImage = "scratch" | "nostat" | "nonroot";

export interface SemanticImages {
  env: NodeJS.ProcessEnv;
  /** host/name@sha256:... */
  refs: Record<SemanticImage, string>;
  /** The same images by tag, in the daemon's store. */
  tags: Record<SemanticImage, string>;
  cleanup: () => Promise<void>;
}

export async function buildSemanticImages(): Promise<SemanticImages> {
  const s = stack();
  const dir = await mkdtemp(path.join(os.tmpdir(), "cb-smoke-semantics-"));
  const config = path.join(dir, "docker-config");
  await mkdir(config, { mode: 0o700 });
  const auth = Buffer.from(`${s.user}:${s.password}`).toString("base64");
  await writeFile(path.join(config, "config.json"), JSON.stringify({ auths: { [s.registry]: { auth } } }));
  const env = { ...process.env, DOCKER_CONFIG: config };
  const suffix = randomUUID().slice(0, 8);
  const refs = {} as Record<SemanticImage, string>;
  const tags = {} as Record<SemanticImage, string>;
  for (const name of ["scratch", "nostat", "nonroot"] as const) {
    const tag = `${s.registry}/smoke-semantics/${name}:${suffix}`;
    const metadata = path.join(dir, `${name}.json`);
    await runChecked(
      [
        DOCKER,
        "buildx",
        "build",
        "--progress=plain",
        "--build-arg",
        `BASE=${BUSYBOX()}`,
        "--file",
        path.join(SEMANTICS_DIR, `Dockerfile.${name}`),
        "--metadata-file",
        metadata,
        "--push",
        "-t",
        tag,
        SEMANTICS_DIR,
      ],
      { env, secrets: [s.password] },
    );
    const digest = (JSON.parse(await readFile(metadata, "utf8")) as Record<string, string>)["containerimage.digest"];
    refs[name] = `${s.registry}/smoke-semantics/${name}@${digest}`;
    tags[name] = tag;
  }
  return {
    env,
    refs,
    tags,
    cleanup: async () => {
      await run([DOCKER, "image", "rm", "-f", ...Object.values(tags)], { env });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ArchiveEntry {
  /** Go's FileMode.String() of the header, as container-structure-test compares it. */
  permissions: string;
  uid: number;
  gid: number;
  type: string;
}

const TYPE_BITS: Record<string, number> = { directory: 0o040000, symlink: 0o120000, file: 0o100000, link: 0o100000 };

/** The first header of `docker cp CONTAINER:PATH -`, or undefined when the daemon has no such path. */
async function firstHeader(container: string, target: string, env: NodeJS.ProcessEnv): Promise<ArchiveEntry | undefined> {
  const child = spawn(DOCKER, ["cp", `${container}:${target}`, "-"], { env, stdio: ["ignore", "pipe", "ignore"] });
  const parser = extract();
  const header = new Promise<ArchiveEntry | undefined>((resolve) => {
    parser.once("entry", (h, stream) => {
      stream.resume();
      const type = TYPE_BITS[h.type] ?? 0;
      resolve({ permissions: formatGoFileMode(type | (h.mode ?? 0)), uid: h.uid ?? -1, gid: h.gid ?? -1, type: h.type });
      child.kill();
    });
    parser.once("finish", () => resolve(undefined));
    parser.once("error", () => resolve(undefined));
  });
  child.stdout.pipe(parser);
  const exited = new Promise((resolve) => child.once("close", resolve));
  const result = await header;
  await exited;
  return result;
}

/** What the daemon's archive API reports for each path of an image, as the driver sees it. */
export async function readThroughDaemon(
  tag: string,
  paths: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<Map<string, ArchiveEntry | undefined>> {
  const created = await runChecked([DOCKER, "create", tag, "NOOP_COMMAND_DO_NOT_RUN"], { env });
  const container = created.stdout.join("").trim();
  try {
    const out = new Map<string, ArchiveEntry | undefined>();
    for (const p of paths) out.set(p, await firstHeader(container, p, env));
    return out;
  } finally {
    await run([DOCKER, "rm", "-f", container], { env });
  }
}
