// The build context and Dockerfile of a target, resolved inside the source root.
// The check runs on real paths (symlinks resolved), so a symlink in a cloned repo or
// an upload cannot point buildx at files outside the source.
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { relativePathSchema } from "../../../common/values.js";
import { SourceError } from "./source-error.js";

export interface ContextPaths {
  /** Real path of the source root. */
  root: string;
  /** Real path of the context directory. */
  context: string;
  /** Real path of the Dockerfile. */
  dockerfile: string;
}

/** True when `candidate` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  // "..a" is a valid name inside the root; only a ".." segment climbs out.
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Throws unless `value` is a relative path that stays inside the root lexically. */
export function parseRelativePath(field: string, value: string): string {
  if (path.isAbsolute(value) || value.split(/[\\/]/).includes("..")) {
    throw new SourceError("INVALID_REQUEST", `${field} ${JSON.stringify(value)} escapes the source root`);
  }
  const parsed = relativePathSchema.safeParse(value);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => i.message).join("; ");
    throw new SourceError("INVALID_REQUEST", `${field} ${JSON.stringify(value)} is not valid: ${why}`);
  }
  return value;
}

export async function resolveContextPaths(
  root: string,
  paths: { context: string; dockerfile: string },
): Promise<ContextPaths> {
  const realRoot = await realpath(root);
  const context = await resolveInside(realRoot, "context", paths.context, "directory");
  const dockerfile = await resolveInside(realRoot, "dockerfile", paths.dockerfile, "file");
  return { root: realRoot, context, dockerfile };
}

async function resolveInside(
  root: string,
  field: string,
  value: string,
  kind: "directory" | "file",
): Promise<string> {
  parseRelativePath(field, value);
  let real: string;
  try {
    real = await realpath(path.resolve(root, value));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new SourceError(
        "SOURCE_FAILED",
        `${field} ${JSON.stringify(value)} does not exist in the source`,
      );
    }
    throw err;
  }
  if (!isInside(root, real)) {
    throw new SourceError("INVALID_REQUEST", `${field} ${JSON.stringify(value)} escapes the source root`);
  }
  const info = await stat(real);
  if (kind === "directory" ? !info.isDirectory() : !info.isFile()) {
    throw new SourceError(
      "SOURCE_FAILED",
      `${field} ${JSON.stringify(value)} is not a ${kind} in the source`,
    );
  }
  return real;
}
