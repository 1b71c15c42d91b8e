// Builds the smoke fixture image on the real stack: pushed to the authenticated
// registry (by digest, as the build runner tests it) and exported as an OCI layout (the
// no-push path), plus a shell-less image. Everything lives under one temp dir.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runChecked } from "../../../builder/src/process/spawn.js";
import { BUSYBOX, stack } from "../../helpers/stack-env.js";

export const DOCKER = "/usr/bin/docker";
const FIXTURE_DIR = path.resolve("test/fixtures/smoke/image");

export interface SmokeFixture {
  dir: string;
  /** Environment with DOCKER_HOST and a DOCKER_CONFIG holding the registry credentials. */
  env: NodeJS.ProcessEnv;
  /** Same, with a DOCKER_CONFIG that has no credentials. */
  anonymousEnv: NodeJS.ProcessEnv;
  /** host/name@sha256:... of the pushed fixture image. */
  ref: string;
  /** OCI layout directory of the same image, never pushed. */
  layoutDir: string;
  /** OCI layout of an image without /bin/sh. */
  shellLessLayoutDir: string;
  cleanup: () => Promise<void>;
}

async function writeDockerConfig(dir: string, auth?: { user: string; password: string; host: string }) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const auths = auth
    ? { [auth.host]: { auth: Buffer.from(`${auth.user}:${auth.password}`).toString("base64") } }
    : {};
  await writeFile(path.join(dir, "config.json"), JSON.stringify({ auths }), { mode: 0o600 });
}

export async function buildSmokeFixture(): Promise<SmokeFixture> {
  const s = stack();
  const dir = await mkdtemp(path.join(os.tmpdir(), "cb-smoke-fixture-"));
  const config = path.join(dir, "docker-config");
  const anonymous = path.join(dir, "anonymous-config");
  await writeDockerConfig(config, { user: s.user, password: s.password, host: s.registry });
  await writeDockerConfig(anonymous);
  const env = { ...process.env, DOCKER_CONFIG: config };
  const metadata = path.join(dir, "metadata.json");
  const name = `${s.registry}/smoke-test/fixture`;
  const base = [DOCKER, "buildx", "build", "--progress=plain", "--build-arg", `BASE=${BUSYBOX()}`];
  await runChecked([...base, "--metadata-file", metadata, "--push", "-t", `${name}:latest`, FIXTURE_DIR], {
    env,
    secrets: [s.password],
  });
  const digest = (JSON.parse(await readFile(metadata, "utf8")) as Record<string, string>)[
    "containerimage.digest"
  ];
  const layoutDir = path.join(dir, "layout");
  await runChecked([...base, "--output", `type=oci,dest=${layoutDir},tar=false`, FIXTURE_DIR], { env });
  const shellLess = path.join(dir, "shell-less");
  await mkdir(shellLess);
  await writeFile(
    path.join(shellLess, "Dockerfile"),
    "FROM scratch\nCOPY Dockerfile /Dockerfile\nENV ONLY=metadata\n",
  );
  const shellLessLayoutDir = path.join(dir, "shell-less-layout");
  await runChecked(
    [DOCKER, "buildx", "build", "--output", `type=oci,dest=${shellLessLayoutDir},tar=false`, shellLess],
    {
      env,
    },
  );
  return {
    dir,
    env,
    anonymousEnv: { ...process.env, DOCKER_CONFIG: anonymous },
    ref: `${name}@${digest}`,
    layoutDir,
    shellLessLayoutDir,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
