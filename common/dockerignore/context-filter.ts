// Which ignore file a context uses, as `docker buildx build DIR` picks it:
// `<Dockerfile>.dockerignore` beside the Dockerfile wins over `DIR/.dockerignore` when it
// exists, even empty. The Dockerfile and the ignore file in use are always sent: a builder
// receiving the context needs them to build and to apply the same rules again, and BuildKit
// there leaves them out of `COPY .` when the file excludes them, as it does locally.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseIgnoreFile } from "./ignore-file.js";
import { PatternMatcher } from "./pattern-matcher.js";

export interface ContextFilter {
  matcher: PatternMatcher;
  /** The ignore file in use, relative to the context; undefined when there is none. */
  ignoreFile?: string;
  alwaysSent: ReadonlySet<string>;
}

/** `shownAs` names the file in errors (default: its name in the context). Throws DockerignoreError. */
export function buildContextFilter(
  text: string | undefined,
  ignoreFile = ".dockerignore",
  shownAs = ignoreFile,
): ContextFilter {
  const lines = text === undefined ? [] : parseIgnoreFile(text, shownAs);
  return {
    matcher: new PatternMatcher(lines, shownAs),
    ...(text === undefined ? {} : { ignoreFile }),
    alwaysSent: new Set(["Dockerfile", ...(text === undefined ? [] : [ignoreFile])]),
  };
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

/** The filter for `dir` as `docker buildx build dir` applies it. Throws DockerignoreError. */
export async function resolveContextFilter(dir: string): Promise<ContextFilter> {
  for (const name of ["Dockerfile.dockerignore", ".dockerignore"]) {
    const file = path.join(dir, name);
    const text = await readIfPresent(file);
    if (text !== undefined) return buildContextFilter(text, name, file);
  }
  return buildContextFilter(undefined);
}
