// Registry credentials as `docker login` leaves them, for `comfyume-builder smoke` when the
// config names none for the image's registry: $DOCKER_CONFIG/config.json (default
// ~/.docker), its `auths` entries (base64 user:password, or username/password), and the
// credential helpers it names (`credHelpers` per registry, else `credsStore`), which are
// asked with `docker-credential-<name> get` as the docker CLI asks them.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { run } from "../process/spawn.js";
import { SmokeError } from "./errors.js";
import { errorMessage } from "../../../common/errors.js";

export interface DockerCredential {
  host: string;
  username: string;
  password: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** "https://ghcr.io/v1/" → "ghcr.io", as the docker CLI matches `auths` keys. */
export function registryHostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, "").split("/")[0] ?? key;
}

/** Docker Hub's credentials live under its legacy v1 URL. */
function helperServer(host: string): string {
  return host === "docker.io" || host === "index.docker.io" ? "https://index.docker.io/v1/" : host;
}

/** Pure: the `auths` entry for host, decoded; undefined when absent or empty. */
export function parseAuthsEntry(config: DockerConfigFile, host: string): DockerCredential | undefined {
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (registryHostOf(key) !== registryHostOf(helperServer(host)) && registryHostOf(key) !== host) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) return { host, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username && entry.password) return { host, username: entry.username, password: entry.password };
  }
  return undefined;
}

async function askHelper(
  helper: string,
  host: string,
  env: NodeJS.ProcessEnv,
): Promise<DockerCredential | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) {
    throw new SmokeError(
      "SMOKE_IMAGE_UNAUTHORIZED",
      `the docker config names an invalid credential helper ${JSON.stringify(helper)}`,
    );
  }
  const result = await run([`docker-credential-${helper}`, "get"], { env, input: helperServer(host) }).catch(
    (err: Error) => {
      throw new SmokeError(
        "SMOKE_IMAGE_UNAUTHORIZED",
        `could not run the docker credential helper docker-credential-${helper}: ${err.message}`,
      );
    },
  );
  // A helper that has nothing for the server says so and exits non-zero: no credentials.
  if (result.exitCode !== 0) return undefined;
  try {
    const parsed = JSON.parse(result.stdout.join("\n")) as { Username?: string; Secret?: string };
    return parsed.Username && parsed.Secret
      ? { host, username: parsed.Username, password: parsed.Secret }
      : undefined;
  } catch {
    throw new SmokeError(
      "SMOKE_IMAGE_UNAUTHORIZED",
      `docker-credential-${helper} printed something that is not JSON`,
    );
  }
}

/**
 * The credentials `docker login` stored for host under configDir (DOCKER_CONFIG or
 * ~/.docker), or undefined. A missing config is not an error (anonymous pull).
 */
export async function resolveDockerCredential(
  host: string,
  configDir: string,
  env: NodeJS.ProcessEnv,
): Promise<DockerCredential | undefined> {
  let config: DockerConfigFile;
  try {
    config = JSON.parse(await readFile(path.join(configDir, "config.json"), "utf8")) as DockerConfigFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SmokeError(
      "SMOKE_IMAGE_UNAUTHORIZED",
      `could not read the docker config ${path.join(configDir, "config.json")}: ${errorMessage(err)}`,
    );
  }
  const helper = config.credHelpers?.[host] ?? config.credsStore;
  if (helper) return askHelper(helper, host, env);
  return parseAuthsEntry(config, host);
}
