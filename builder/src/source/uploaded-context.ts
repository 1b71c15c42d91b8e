// An uploaded context (`comfyume-build submit --context DIR`, `comfyume-builder run
// --context DIR`) is the target's build context, as `docker build DIR` users expect: its root
// is the context and the Dockerfile sits at its place relative to the target's context
// (`queue-manager/Dockerfile` of context `queue-manager` is `Dockerfile` in the upload).
// A directory that does not fit the target gets an error that says what to pass
// (common/uploaded-context.ts, which the trigger also runs before it packs).
import { lstat } from "node:fs/promises";
import path from "node:path";
import {
  checkUploadedContext,
  dockerfileInUpload,
  type UploadTarget,
} from "../../../common/uploaded-context.js";
import { resolveContextPaths, type ContextPaths } from "./context-paths.js";
import { SourceError } from "./source-error.js";

export async function resolveUploadedContextPaths(root: string, target: UploadTarget): Promise<ContextPaths> {
  const mismatch = await checkUploadedContext(target, (rel) => exists(root, rel));
  if (mismatch) throw new SourceError("INVALID_REQUEST", mismatch.message);
  return resolveContextPaths(root, { context: ".", dockerfile: dockerfileInUpload(target)! });
}

async function exists(root: string, rel: string): Promise<boolean> {
  return lstat(path.join(root, rel)).then(
    () => true,
    () => false,
  );
}
