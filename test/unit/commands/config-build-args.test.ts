// `config check` warns about build args a target sets that its Dockerfile never declares,
// where it can read the Dockerfile (path sources).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeBuildArgWarnings } from "../../../builder/src/commands/config-command.js";
import { parseBuilderConfig } from "../../../builder/src/config/load-builder-config.js";

const dir = mkdtempSync(path.join(tmpdir(), "config-args-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("config check: build args", () => {
  it("warns for a path source's target, and leaves git sources to the build", () => {
    mkdirSync(path.join(dir, "src/app"), { recursive: true });
    writeFileSync(path.join(dir, "src/app/Dockerfile"), "FROM busybox\nARG USED\nRUN echo $USED\n");
    const config = parseBuilderConfig(
      JSON.stringify({
        sources: { local: { path: "./src" }, remote: { git: "https://github.com/ahelme/comfyume-v1.git" } },
        targets: {
          app: {
            source: "local",
            context: "app",
            image: "ghcr.io/x/app",
            buildArgs: { USED: "1", COMFYUI_VERSION: "v0.11.0" },
          },
          clean: { source: "local", context: "app", image: "ghcr.io/x/clean", buildArgs: { USED: "1" } },
          remote: {
            source: "remote",
            context: "w",
            image: "ghcr.io/x/w",
            buildArgs: { COMFYUI_VERSION: "v0.11.0" },
          },
        },
      }),
      path.join(dir, "builder.config.json"),
    );
    expect(describeBuildArgWarnings(config, dir)).toEqual([
      "warning: target app: build arg COMFYUI_VERSION is not declared by an ARG in app/Dockerfile where this build uses it, so it changes nothing",
    ]);
  });
});
