import { describe, expect, it } from "vitest";
import { buildChildEnv } from "../../../builder/src/process/child-env.js";

describe("buildChildEnv", () => {
  const parent = {
    PATH: "/usr/bin",
    HOME: "/home/b",
    DOCKER_HOST: "unix:///run/docker.sock",
    DOCKER_CONFIG: "/home/b/.docker",
    BUILDX_BUILDER: "remote",
    BUILDKIT_PROGRESS: "plain",
    HTTPS_PROXY: "http://proxy:3128",
    no_proxy: "localhost",
    SSL_CERT_FILE: "/etc/ssl/ca.pem",
    BUILDER_API_TOKEN: "api-token-0123456789",
    BUILDER_READ_TOKEN: "read-token-0123456789",
    BUILDER_WEBHOOK_SECRET: "hook",
    BUILDER_NOTIFY_SECRET: "notify",
    R2_SECRET_ACCESS_KEY: "r2",
    R2_ACCESS_KEY_ID: "r2id",
    GHCR_PASSWORD: "ghcr",
    GH_TOKEN: "gh",
    NTFY_TOPIC: "topic",
    SERVERLESS_API_KEY: "verda",
    BUILDX_PASSWORD_FOR_SOMETHING: "named by the config",
    UNDEFINED: undefined,
  };

  it("passes what docker, buildx and git need and nothing else", () => {
    expect(buildChildEnv(parent, new Set(["BUILDX_PASSWORD_FOR_SOMETHING"]))).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/b",
      DOCKER_HOST: "unix:///run/docker.sock",
      DOCKER_CONFIG: "/home/b/.docker",
      BUILDX_BUILDER: "remote",
      BUILDKIT_PROGRESS: "plain",
      HTTPS_PROXY: "http://proxy:3128",
      no_proxy: "localhost",
      SSL_CERT_FILE: "/etc/ssl/ca.pem",
    });
  });

  it("a variable the config names for a credential never passes, whatever its prefix", () => {
    expect(buildChildEnv(parent).BUILDX_PASSWORD_FOR_SOMETHING).toBe("named by the config");
    expect(buildChildEnv(parent, new Set(["BUILDX_PASSWORD_FOR_SOMETHING"]))).not.toHaveProperty(
      "BUILDX_PASSWORD_FOR_SOMETHING",
    );
  });
});
