// `.dockerignore` with Docker's own rules. Reading follows moby/patternmatcher's
// ignorefile.ReadAll (a `#` in column 0 is a comment, surrounding space is trimmed,
// the path is cleaned, a leading `/` is dropped: "/foo" and "foo" are the same);
// matching is @balena/dockerignore, a port of Docker's Go matcher (`*`, `?`, `**`,
// `!` exceptions where the last matching line wins, a directory match covers its contents).
import dockerignore from "@balena/dockerignore";
import { posix } from "node:path";

export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (raw.startsWith("#")) continue;
    let line = raw.trim();
    if (line === "") continue;
    const invert = line.startsWith("!");
    if (invert) line = line.slice(1).trim();
    line = posix.normalize(line.replace(/\\/g, "/"));
    if (line.length > 1 && line.startsWith("/")) line = line.slice(1);
    if (line.length > 1 && line.endsWith("/")) line = line.slice(0, -1);
    patterns.push(invert ? `!${line}` : line);
  }
  return patterns;
}

export interface ContextFilter {
  /** True when the path (relative, '/'-separated) is excluded from the context. */
  excludes(relPath: string): boolean;
  /** False when an excluded directory can be skipped whole (no `!` line could bring a file back). */
  hasExceptions: boolean;
}

// Docker sends these even when .dockerignore excludes them, because the build needs them.
const ALWAYS_SENT = new Set(["Dockerfile", ".dockerignore"]);

// The package is CommonJS (`module.exports = factory`) but its types declare an ES default
// export; under nodenext the import is the factory itself, typed as the module namespace.
const ignore = dockerignore as unknown as typeof dockerignore.default;

export function buildContextFilter(patterns: readonly string[]): ContextFilter {
  const matcher = ignore().add([...patterns]);
  return {
    excludes: (relPath) => !ALWAYS_SENT.has(relPath) && matcher.ignores(relPath),
    hasExceptions: patterns.some((p) => p.startsWith("!")),
  };
}
