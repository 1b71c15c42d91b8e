import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderConfigJsonSchema } from "../../../builder/src/config/config-json-schema.js";
import { parseBuilderConfig } from "../../../builder/src/config/load-builder-config.js";

const minimal = (targets: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ sources: { s: { path: "." } }, targets, ...extra });

const worker = { source: "s", image: "ghcr.io/ahelme/comfyume-worker" };

describe("config.schema.json", () => {
  it("is the one generated from the zod schema (run `npm run schema` after changing it)", () => {
    expect(readFileSync("config.schema.json", "utf8")).toBe(renderConfigJsonSchema());
  });
});

describe("parseBuilderConfig", () => {
  it("accepts the bundled example and the deploy config", () => {
    const cfg = parseBuilderConfig(readFileSync("examples/builder.config.json", "utf8"), "example");
    expect(cfg.targets.worker?.smoke).toBe("worker/smoke.yaml");
  });

  it("fills defaults", () => {
    const cfg = parseBuilderConfig(minimal({ worker }), "f.json");
    expect(cfg.targets.worker).toMatchObject({
      context: ".",
      tags: ["{ref}", "sha-{shortSha}"],
      platforms: ["linux/amd64"],
      cache: { local: true, registryRef: null, maxBytes: null },
      backup: { r2: false },
      push: true,
    });
  });

  it.each([
    [minimal({ worker: { ...worker, extra: 1 } }), "targets.worker"],
    [minimal({ worker }, { surprise: true }), "surprise"],
    [
      minimal({ worker: { ...worker, context: "../up" } }),
      "targets.worker.context: a path must not contain '..'",
    ],
    [minimal({ worker: { ...worker, context: "/abs" } }), "targets.worker.context: a path must be relative"],
    [
      minimal({ worker: { ...worker, dockerfile: "-f" } }),
      "targets.worker.dockerfile: a path must not start with '-'",
    ],
    [minimal({ worker: { ...worker, source: "nope" } }), 'source "nope" is not defined in sources'],
    [minimal({ worker: { ...worker, tags: ["{branch}"] } }), "targets.worker.tags.0: tag placeholders are"],
    [minimal({ worker: { ...worker, platforms: ["amd64"] } }), "targets.worker.platforms.0"],
    [minimal({ worker: { ...worker, image: "Ghcr.io/UPPER/x" } }), "targets.worker.image"],
    [minimal({ Worker: worker }), "targets.Worker"],
    [
      JSON.stringify({ sources: { s: { git: "https://u:p@github.com/x/y.git" } }, targets: {} }),
      "must not contain a password",
    ],
    ["{not json", "not valid JSON"],
  ])("rejects %s with a message naming the path", (text, message) => {
    expect(() => parseBuilderConfig(text, "f.json")).toThrow(message);
  });

  it("quotes the bad value", () => {
    expect(() =>
      parseBuilderConfig(minimal({ worker: { ...worker, platforms: ["amd64"] } }), "f.json"),
    ).toThrow('(got "amd64")');
  });
});
