// The JSON Schema of the config file, generated from the zod schema so editors can
// complete and check builder.config.json. Committed as config.schema.json; a unit test
// fails when the committed file is stale (regenerate with `npm run schema`).
import { z } from "zod";
import { builderConfigSchema } from "./builder-config.js";

export function buildConfigJsonSchema(): Record<string, unknown> {
  // "input" describes what a user writes: fields with defaults are optional.
  const schema = z.toJSONSchema(builderConfigSchema, { io: "input", unrepresentable: "any" });
  return {
    ...schema,
    $id: "https://github.com/ahelme/comfyume-builder/config.schema.json",
    title: "comfyume-builder config",
    description: "Sources, registries and build targets of a comfyume-builder (SPEC §2).",
  };
}

export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`;
}
