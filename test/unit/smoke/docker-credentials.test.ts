// How `docker login` stores credentials (config.json's auths, credHelpers, credsStore and
// the docker-credential-* protocol: server URL on stdin, {"Username","Secret"} on stdout).
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseAuthsEntry,
  registryHostOf,
  resolveDockerCredential,
} from "../../../builder/src/smoke/docker-credentials.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("parseAuthsEntry", () => {
  it.each([
    [{ auths: { "ghcr.io": { auth: b64("me:tok:en") } } }, "ghcr.io", { username: "me", password: "tok:en" }],
    [
      { auths: { "https://ghcr.io/v1/": { auth: b64("me:x") } } },
      "ghcr.io",
      { username: "me", password: "x" },
    ],
    [
      { auths: { "127.0.0.1:5001": { username: "u", password: "p" } } },
      "127.0.0.1:5001",
      { username: "u", password: "p" },
    ],
    [
      { auths: { "https://index.docker.io/v1/": { auth: b64("hub:pw") } } },
      "docker.io",
      { username: "hub", password: "pw" },
    ],
    [{ auths: { "ghcr.io": {} } }, "ghcr.io", undefined],
    [{ auths: { "quay.io": { auth: b64("a:b") } } }, "ghcr.io", undefined],
    [{}, "ghcr.io", undefined],
  ])("%j for %s", (config, host, expected) => {
    expect(parseAuthsEntry(config, host)).toEqual(expected ? { host, ...expected } : undefined);
  });

  it("reduces a server URL to its host", () => {
    expect(registryHostOf("https://ghcr.io/v2/")).toBe("ghcr.io");
    expect(registryHostOf("127.0.0.1:5001")).toBe("127.0.0.1:5001");
  });
});

describe("resolveDockerCredential", () => {
  let dir: string;
  let bin: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cb-docker-creds-"));
    bin = path.join(dir, "bin");
    await mkdir(bin);
    // A credential helper speaking the docker-credential-helpers protocol.
    const helper = path.join(bin, "docker-credential-fake");
    await writeFile(
      helper,
      '#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = ghcr.io ]; then echo \'{"ServerURL":"ghcr.io","Username":"helped","Secret":"s3"}\'; else echo "credentials not found in native keychain"; exit 1; fi\n',
    );
    await chmod(helper, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function withConfig(config: unknown): Promise<string> {
    const configDir = await mkdtemp(path.join(dir, "cfg-"));
    await writeFile(path.join(configDir, "config.json"), JSON.stringify(config));
    return configDir;
  }
  const env = () => ({ PATH: `${bin}:/usr/bin:/bin` });

  it("asks the credsStore helper", async () => {
    const configDir = await withConfig({ credsStore: "fake" });
    expect(await resolveDockerCredential("ghcr.io", configDir, env())).toEqual({
      host: "ghcr.io",
      username: "helped",
      password: "s3",
    });
    expect(await resolveDockerCredential("quay.io", configDir, env())).toBeUndefined();
  });

  it("prefers a registry's credHelpers entry to auths", async () => {
    const configDir = await withConfig({
      credHelpers: { "ghcr.io": "fake" },
      auths: { "ghcr.io": { auth: b64("a:b") } },
    });
    expect(await resolveDockerCredential("ghcr.io", configDir, env())).toMatchObject({ username: "helped" });
  });

  it("is anonymous when there is no docker config", async () => {
    expect(await resolveDockerCredential("ghcr.io", path.join(dir, "none"), env())).toBeUndefined();
  });

  it("says which file it could not read", async () => {
    const configDir = await mkdtemp(path.join(dir, "bad-"));
    await writeFile(path.join(configDir, "config.json"), "{not json");
    await expect(resolveDockerCredential("ghcr.io", configDir, env())).rejects.toThrow(
      `could not read the docker config ${configDir}/config.json`,
    );
  });
});
