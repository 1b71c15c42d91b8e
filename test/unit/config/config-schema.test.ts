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
    ["{not json", "f.json:1:2: not valid JSON"],
    [
      minimal({ worker: { ...worker, dockerfil: "x" } }),
      "targets.worker.dockerfil: unknown key; did you mean dockerfile?",
    ],
    [
      JSON.stringify({ sources: { s: { pth: "." } }, targets: {} }),
      'sources.s: a source is {"git": "<URL>", "defaultRef"?: "<ref>", "tokenEnv"?: "<ENV_NAME>"} or {"path": "<directory>"}',
    ],
    // The branch the input came closest to speaks: a git source with a bad URL.
    [
      JSON.stringify({ sources: { s: { git: "nope" } }, targets: {} }),
      "sources.s.git: git must be an https://",
    ],
  ])("rejects %s with a message naming the path", (text, message) => {
    expect(() => parseBuilderConfig(text, "f.json")).toThrow(message);
  });

  it("never quotes a whole parent object", () => {
    let message = "";
    try {
      parseBuilderConfig(minimal({ worker: { ...worker, dockerfil: "x", platforms: ["amd64"] } }), "f.json");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      "f.json: targets.worker.platforms.0: a platform looks like 'linux/amd64' or 'linux/arm/v7' (got \"amd64\"); targets.worker.dockerfil: unknown key; did you mean dockerfile?",
    );
  });

  it.each([
    ['{\n  "sources": {\n    "a": { "path": "." },\n  }\n}\n', "f.json:4:3: not valid JSON: "],
    ['{"sources": ', "f.json:1:13: not valid JSON: expected a value, found end of file"],
    ["\n\n  [1, 2,, 3]", "f.json:3:9: not valid JSON: "],
  ])("gives a JSON syntax error's line and column: %j", (text, message) => {
    expect(() => parseBuilderConfig(text, "f.json")).toThrow(message);
    expect(() => parseBuilderConfig(text, "f.json")).not.toThrow(/position/);
  });

  it("quotes the bad value", () => {
    expect(() =>
      parseBuilderConfig(minimal({ worker: { ...worker, platforms: ["amd64"] } }), "f.json"),
    ).toThrow('(got "amd64")');
  });
});
