// What an uploaded context (`--context DIR`) must hold for a target, said the same way by the
// builder (after the upload, authoritative) and by the trigger (before it packs anything, so
// a wrong DIR is not sent first): DIR is the target's build context, as `docker build DIR`
// users expect, so the Dockerfile sits at its place relative to the target's context
// (`queue-manager/Dockerfile` of context `queue-manager` is `Dockerfile` in DIR).
import path from "node:path";

export interface UploadTarget {
  name: string;
  source: string;
  /** Relative to the source root, as configured. */
  context: string;
  /** Relative to the source root, as configured. */
  dockerfile: string;
}

export type UploadMismatch =
  { kind: "dockerfile-outside-context"; message: string } | { kind: "missing-dockerfile"; message: string };

/** The Dockerfile's path inside an uploaded context; undefined when the target's Dockerfile is outside it. */
export function dockerfileInUpload(target: UploadTarget): string | undefined {
  const context = path.posix.normalize(target.context);
  const inContext = path.posix.relative(context, path.posix.normalize(target.dockerfile));
  return inContext === "" || inContext === ".." || inContext.startsWith("../") ? undefined : inContext;
}

/**
 * Why a directory cannot be uploaded as `target`'s context, or undefined when it can.
 * `has(rel)` says whether the directory (as it would be sent) holds the relative path.
 */
export async function checkUploadedContext(
  target: UploadTarget,
  has: (rel: string) => Promise<boolean>,
): Promise<UploadMismatch | undefined> {
  const context = path.posix.normalize(target.context);
  const inContext = dockerfileInUpload(target);
  if (inContext === undefined) {
    return {
      kind: "dockerfile-outside-context",
      message: `target ${target.name} builds with dockerfile ${JSON.stringify(target.dockerfile)}, outside its build context ${JSON.stringify(context)}, so an uploaded context cannot carry it; build a git ref of source ${target.source} (--ref) instead`,
    };
  }
  if (await has(inContext)) return undefined;
  const asRoot = context === "." ? undefined : path.posix.join(context, inContext);
  const hint =
    asRoot !== undefined && (await has(asRoot))
      ? `; the directory sent holds ${asRoot}, so it is the source's root: pass its ${context} directory instead (e.g. --context ./${context})`
      : `; pass the directory that is target ${target.name}'s build context (${JSON.stringify(context)} in source ${target.source}), the one holding its ${inContext}`;
  return {
    kind: "missing-dockerfile",
    message: `the uploaded context has no ${inContext}: --context DIR is the build context of ${target.name}${hint}`,
  };
}
