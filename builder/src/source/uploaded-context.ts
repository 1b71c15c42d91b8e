// An uploaded context (`comfyume-build submit --context DIR`, `comfyume-builder run
// --context DIR`) is the target's build context, as `docker build DIR` users expect: its root
// is the context and the Dockerfile sits at its place relative to the target's context
// (`queue-manager/Dockerfile` of context `queue-manager` is `Dockerfile` in the upload).
// A directory that does not fit the target gets an error that says what to pass.
import { lstat } from "node:fs/promises";
import path from "node:path";
import { resolveContextPaths, type ContextPaths } from "./context-paths.js";
import { SourceError } from "./source-error.js";

export interface UploadTarget {
  name: string;
  source: string;
  context: string;
  dockerfile: string;
}

export async function resolveUploadedContextPaths(root: string, target: UploadTarget): Promise<ContextPaths> {
  const context = path.posix.normalize(target.context);
  const inContext = path.posix.relative(context, path.posix.normalize(target.dockerfile));
  if (inContext === "" || inContext.startsWith("../") || inContext === "..") {
    throw new SourceError(
      "INVALID_REQUEST",
      `target ${target.name} builds with dockerfile ${JSON.stringify(target.dockerfile)}, outside its build context ${JSON.stringify(context)}, so an uploaded context cannot carry it; build a git ref of source ${target.source} (--ref) instead`,
    );
  }
  if (!(await exists(root, inContext))) {
    const asRoot = context === "." ? undefined : path.posix.join(context, inContext);
    const hint =
      asRoot !== undefined && (await exists(root, asRoot))
        ? `; the directory sent holds ${asRoot}, so it is the source's root: pass its ${context} directory instead (e.g. --context ./${context})`
        : `; pass the directory that is target ${target.name}'s build context (${JSON.stringify(context)} in source ${target.source}), the one holding its ${inContext}`;
    throw new SourceError(
      "INVALID_REQUEST",
      `the uploaded context has no ${inContext}: --context DIR is the build context of ${target.name}${hint}`,
    );
  }
  return resolveContextPaths(root, { context: ".", dockerfile: inContext });
}

async function exists(root: string, rel: string): Promise<boolean> {
  return lstat(path.join(root, rel)).then(
    () => true,
    () => false,
  );
}
