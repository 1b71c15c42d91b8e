// The build flags both CLIs take (`comfyume-build submit` and `comfyume-builder run`,
// SPEC §6/§7 "same flags as submit"), as node:util parseArgs option specs.
export const BUILD_FLAG_OPTIONS = {
  ref: { type: "string" },
  context: { type: "string" },
  tag: { type: "string", multiple: true },
  platform: { type: "string", multiple: true },
  "build-arg": { type: "string", multiple: true },
  "no-push": { type: "boolean" },
  "no-smoke": { type: "boolean" },
  "no-cache": { type: "boolean" },
} as const;
