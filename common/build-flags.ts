// The build flags both CLIs take (`comfyume-build submit` and `comfyume-builder run`,
// SPEC §6/§7 "same flags as submit"). This file is only the table (no schema library, so
// `--help` and small commands start without zod); build-request-flags.ts turns the values
// into a BuildRequest.
import type { FlagSpecs } from "./cli-flags.js";

export const BUILD_FLAG_OPTIONS = {
  ref: { type: "string" },
  context: { type: "string" },
  tag: { type: "string", multiple: true },
  platform: { type: "string", multiple: true },
  "build-arg": { type: "string", multiple: true },
  "no-push": { type: "boolean" },
  "no-smoke": { type: "boolean" },
  "no-cache": { type: "boolean" },
} as const satisfies FlagSpecs;

/** The help lines of those flags, the same in both binaries' help. */
export const BUILD_FLAG_HELP = `  --ref REF                 git ref to build (default: the source's default ref)
  --context DIR             upload DIR as the target's build context, as \`docker build DIR\` sends it
                            (DIR/.dockerignore honoured); DIR holds the target's Dockerfile
  --tag T                   extra image tag (repeatable)
  --platform P              platform such as linux/amd64 (repeatable)
  --build-arg K=V           build argument (repeatable)
  --no-push                 build without pushing
  --no-smoke                skip the smoke tests
  --no-cache                build without the cache`;
