// Pushes a small, unique busybox-based image to the stack's authenticated registry with
// `docker buildx build --push`, the way the builder does (credentials in a throw-away
// DOCKER_CONFIG, the digest read from --metadata-file). Shared by the registry and
// backup integration tests.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runChecked } from "../../../builder/src/process/spawn.js";
import { BUSYBOX, stack } from "../../helpers/stack-env.js";

export interface PushImageOptions {
  /** Repository under the stack registry, e.g. "h3/verify". */
  repository: string;
  tags: string[];
  platforms?: string[];
  /** Extra Dockerfile lines after FROM busybox and COPY of a unique id file. */
  extraLines?: string[];
  /** false drops the provenance attestation so a one-platform push is a plain manifest. */
  provenance?: boolean;
}

export interface PushedImage {
  /** "127.0.0.1:5001/h3/verify" */
  name: string;
  refs: string[];
  digest: string;
  mediaType: string;
}

export async function pushImage(opts: PushImageOptions): Promise<PushedImage> {
  const s = stack();
  const dir = await mkdtemp(path.join(tmpdir(), "h3-push-"));
  try {
    const ctx = path.join(dir, "ctx");
    const config = path.join(dir, "docker-config");
    await runChecked(["mkdir", "-m", "0700", "-p", ctx, config]);
    const auth = Buffer.from(`${s.user}:${s.password}`).toString("base64");
    await writeFile(path.join(config, "config.json"), JSON.stringify({ auths: { [s.registry]: { auth } } }));
    // A unique file makes every pushed image (and so its digest) new, whatever the build cache holds.
    await writeFile(path.join(ctx, "id"), randomBytes(16).toString("hex"));
    const dockerfile = [`FROM ${BUSYBOX()}`, "COPY id /id", ...(opts.extraLines ?? [])].join("\n");
    await writeFile(path.join(ctx, "Dockerfile"), `${dockerfile}\n`);
    const name = `${s.registry}/${opts.repository}`;
    const refs = opts.tags.map((t) => `${name}:${t}`);
    const metadata = path.join(dir, "metadata.json");
    const argv = ["/usr/bin/docker", "buildx", "build", "--push", "--metadata-file", metadata];
    for (const ref of refs) argv.push("-t", ref);
    argv.push("--platform", (opts.platforms ?? ["linux/amd64"]).join(","));
    if (opts.provenance === false) argv.push("--provenance=false");
    argv.push(ctx);
    await runChecked(argv, { env: { ...process.env, DOCKER_CONFIG: config }, secrets: [s.password, auth] });
    const meta = JSON.parse(await readFile(metadata, "utf8")) as {
      "containerimage.digest": string;
      "containerimage.descriptor": { mediaType: string };
    };
    return {
      name,
      refs,
      digest: meta["containerimage.digest"],
      mediaType: meta["containerimage.descriptor"].mediaType,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A fresh repository path per test run, so runs never see each other's tags. */
export function uniqueRepository(prefix: string): string {
  return `h3/${prefix}-${randomBytes(4).toString("hex")}`;
}
