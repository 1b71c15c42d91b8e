import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildDockerConfigJson, createDockerConfig } from "../../../builder/src/buildx/docker-config.js";

let base: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "comfyume-dockercfg-unit-"));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("buildDockerConfigJson", () => {
  it("encodes user:password per host", () => {
    expect(buildDockerConfigJson([{ host: "ghcr.io", username: "me", password: "p:w d" }])).toEqual({
      auths: { "ghcr.io": { auth: Buffer.from("me:p:w d").toString("base64") } },
    });
  });
  it.each([
    [{ host: "https://ghcr.io", username: "a", password: "b" }, /registry host "https:\/\/ghcr.io"/],
    [{ host: "ghcr.io", username: "a:b", password: "c" }, /must not contain ':'/],
    [{ host: "ghcr.io", username: "a", password: "" }, /password for registry ghcr.io is empty/],
  ])("rejects %j without quoting the secret", (cred, message) => {
    expect(() => buildDockerConfigJson([cred])).toThrow(message);
  });
});

describe("createDockerConfig", () => {
  it("makes a 0700 dir with a 0600 config.json, links the buildx state, and cleanup removes only itself", async () => {
    const state = path.join(base, "real-docker", "buildx");
    await mkdir(path.join(state, "instances"), { recursive: true });
    const cfg = await createDockerConfig({
      registries: [{ host: "127.0.0.1:5001", username: "u", password: "secret-pass" }],
      baseDir: base,
      linkBuildxStateFrom: state,
    });
    expect((await stat(cfg.dir)).mode & 0o777).toBe(0o700);
    const configFile = path.join(cfg.dir, "config.json");
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(configFile, "utf8"))).toEqual({
      auths: { "127.0.0.1:5001": { auth: Buffer.from("u:secret-pass").toString("base64") } },
    });
    expect(await readlink(path.join(cfg.dir, "buildx"))).toBe(state);
    await cfg.cleanup();
    await cfg.cleanup();
    await expect(lstat(cfg.dir)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(path.join(state, "instances"))).isDirectory()).toBe(true);
  });

  it("skips the link when the buildx state dir does not exist", async () => {
    const cfg = await createDockerConfig({
      registries: [],
      baseDir: base,
      linkBuildxStateFrom: path.join(base, "nope"),
    });
    await expect(lstat(path.join(cfg.dir, "buildx"))).rejects.toMatchObject({ code: "ENOENT" });
    await cfg.cleanup();
  });
});
