// Builds the images of test/fixtures/smoke/semantics on the real stack (pushed to the
// authenticated registry, so also in the daemon's image store), and reads a path the way
// container-structure-test's docker driver does: `docker cp` of a created container,
// i.e. the daemon's archive API, whose first tar header is what StatFile returns.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
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
    const digest = (JSON.parse(await readFile(metadata, "utf8")) as Record<string, string>)[
      "containerimage.digest"
    ];
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

const TYPE_BITS: Record<string, number> = { "5": 0o040000, "2": 0o120000, "0": 0o100000, "1": 0o100000 };

const octal = (block: Buffer, start: number, length: number) =>
  parseInt(
    block
      .subarray(start, start + length)
      .toString("latin1")
      .replace(/\0.*$/s, "")
      .trim() || "0",
    8,
  );

/** The first real header of a tar stream (PAX and GNU long-name headers skipped). */
function parseFirstHeader(data: Buffer): ArchiveEntry | "incomplete" | undefined {
  let offset = 0;
  for (;;) {
    if (data.length < offset + 512) return "incomplete";
    const block = data.subarray(offset, offset + 512);
    if (block.every((b) => b === 0)) return undefined;
    const type = String.fromCharCode(block[156]!);
    if (type === "x" || type === "g" || type === "L" || type === "K") {
      offset += 512 + Math.ceil(octal(block, 124, 12) / 512) * 512;
      continue;
    }
    const mode = octal(block, 100, 8);
    return {
      permissions: formatGoFileMode((TYPE_BITS[type] ?? 0) | mode),
      uid: octal(block, 108, 8),
      gid: octal(block, 116, 8),
      type,
    };
  }
}

/** The first header of `docker cp CONTAINER:PATH -`, or undefined when the daemon has no such path. */
async function firstHeader(
  container: string,
  target: string,
  env: NodeJS.ProcessEnv,
): Promise<ArchiveEntry | undefined> {
  const child = spawn(DOCKER, ["cp", `${container}:${target}`, "-"], {
    env,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const chunks: Buffer[] = [];
  let result: ArchiveEntry | "incomplete" | undefined = "incomplete";
  for await (const chunk of child.stdout) {
    chunks.push(chunk as Buffer);
    result = parseFirstHeader(Buffer.concat(chunks));
    if (result !== "incomplete") {
      child.kill(); // a directory streams all its contents; the first header is enough
      break;
    }
  }
  if (child.exitCode === null && child.signalCode === null)
    await new Promise((resolve) => child.once("close", resolve));
  return result === "incomplete" ? undefined : result;
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
