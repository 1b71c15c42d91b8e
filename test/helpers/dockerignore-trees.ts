// The .dockerignore test trees: every case of moby/patternmatcher's tables that can be a
// directory tree (cases sharing patterns share a tree unless their paths collide), plus the
// hand-written cases of test/fixtures/dockerignore/tree-cases.ts; and how to write a tree to
// disk and list one (as "d path", "f path", "l path -> target", "p path" for a FIFO).
import { lstat, mkdir, readdir, readlink, rename, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { runChecked } from "../../builder/src/process/spawn.js";
import {
  BAD_WHEN_TRIED,
  GO_MATCH,
  MATCHES,
  MULTI_PATTERN,
  READ_ALL,
  REFUSED_PATTERN_LISTS,
} from "../fixtures/dockerignore/moby-patternmatcher.js";
import {
  DOCS_CASES,
  ERROR_CASES,
  ISSUE_CASES,
  WALK_CASES,
  type TreeCase,
} from "../fixtures/dockerignore/tree-cases.js";

export type { TreeCase };

/** Table cases grouped into trees: paths of one pattern list go together until two collide. */
function tableTrees(): TreeCase[] {
  const groups = new Map<string, string[]>();
  const add = (patterns: readonly string[], p: string) => {
    // A path that is absolute or the context itself cannot be an entry of a tree.
    if (p.startsWith("/") || p === ".") return;
    const key = JSON.stringify(patterns);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  };
  for (const [pattern, p] of MATCHES) add([pattern], p);
  for (const [patterns, p] of MULTI_PATTERN) add(patterns, p);
  for (const [pattern, p, , bad] of GO_MATCH) if (!bad) add([pattern], p);
  const trees: TreeCase[] = [];
  for (const [key, paths] of groups) {
    const patterns = JSON.parse(key) as string[];
    const ignore = patterns.map((p) => `${p}\n`).join("");
    splitCollisions(paths).forEach((treePaths, i) =>
      trees.push({ name: `table: ${patterns.join(" ")}${i ? ` (${i + 1})` : ""}`, ignore, paths: treePaths }),
    );
  }
  return trees;
}

/** Splits paths into trees where no path is both a file and a directory. */
function splitCollisions(paths: readonly string[]): string[][] {
  const trees: { paths: string[]; kinds: Map<string, "file" | "dir"> }[] = [];
  for (const raw of new Set(paths)) {
    const isDir = raw.endsWith("/");
    const p = isDir ? raw.slice(0, -1) : raw;
    const parts = p.split("/");
    const wanted = new Map<string, "file" | "dir">(
      parts.map((_, i) => [parts.slice(0, i + 1).join("/"), "dir"]),
    );
    wanted.set(p, isDir ? "dir" : "file");
    const fits = (kinds: Map<string, "file" | "dir">) =>
      [...wanted].every(([q, kind]) => kinds.get(q) === undefined || kinds.get(q) === kind);
    let tree = trees.find((t) => fits(t.kinds));
    if (!tree) trees.push((tree = { paths: [], kinds: new Map() }));
    tree.paths.push(raw);
    for (const [q, kind] of wanted) tree.kinds.set(q, kind);
  }
  return trees.map((t) => t.paths);
}

function tableErrorTrees(): TreeCase[] {
  const bad = new Set(GO_MATCH.filter(([, , , isBad]) => isBad).map(([pattern]) => pattern));
  const lists = [...[...bad].map((p) => [p]), ...REFUSED_PATTERN_LISTS, [BAD_WHEN_TRIED]];
  return [
    ...lists.map((patterns) => ({
      name: `table error: ${patterns.join(" ")}`,
      ignore: patterns.map((p) => `${p}\n`).join(""),
      paths: ["a", "x"],
    })),
    {
      name: "ignorefile TestReadAll",
      ignore: READ_ALL.content,
      paths: ["test1", "test2", "a/file/here", "lastfile"],
    },
  ];
}

/** Every tree BuildKit accepts. */
export function treeCases(): TreeCase[] {
  return [...tableTrees(), ...ISSUE_CASES, ...DOCS_CASES, ...WALK_CASES];
}

/** Every tree BuildKit refuses (one per ignore file: each costs a build of its own). */
export function errorTreeCases(): TreeCase[] {
  const seen = new Set<string>();
  return [...tableErrorTrees(), ...ERROR_CASES].filter((c) => !seen.has(c.ignore) && seen.add(c.ignore));
}

/** A unix socket left on disk at `p` (a server unlinks its socket when it closes, so it is moved first). */
async function makeSocket(p: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(`${p}.listening`, resolve));
  await rename(`${p}.listening`, p);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function writeTree(dir: string, c: TreeCase): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const entry of c.paths) {
    const link = / -> /.exec(entry);
    const special = / \((socket|fifo)\)$/.exec(entry);
    if (special) {
      const p = path.join(dir, entry.slice(0, special.index));
      await mkdir(path.dirname(p), { recursive: true });
      if (special[1] === "socket") await makeSocket(p);
      else await runChecked(["mkfifo", p]);
    } else if (link) {
      await symlink(entry.slice(link.index + 4), path.join(dir, entry.slice(0, link.index)));
    } else if (entry.endsWith("/")) {
      await mkdir(path.join(dir, entry), { recursive: true });
    } else {
      await mkdir(path.dirname(path.join(dir, entry)), { recursive: true });
      await writeFile(path.join(dir, entry), `${entry}\n`);
    }
  }
  for (const [name, content] of Object.entries(c.extra ?? {})) await writeFile(path.join(dir, name), content);
  await writeFile(path.join(dir, c.ignoreFile ?? ".dockerignore"), c.ignore);
}

/** Every entry under `dir`, sorted: "d path", "f path" or "l path -> target". */
export async function listTree(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(path.join(dir, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    const st = await lstat(path.join(dir, p));
    if (st.isDirectory()) out.push(`d ${p}`, ...(await listTree(dir, p)));
    else if (st.isSymbolicLink()) out.push(`l ${p} -> ${await readlink(path.join(dir, p))}`);
    else if (st.isFIFO()) out.push(`p ${p}`);
    else out.push(`f ${p}`);
  }
  return rel ? out : out.sort();
}

/**
 * Entries the packer sends although BuildKit's `COPY .` may leave them out: the Dockerfile
 * and the ignore file in use, which the builder needs to build and to apply the rules again.
 */
export function alwaysSentEntries(c: TreeCase): string[] {
  const names = [
    c.ignoreFile ?? ".dockerignore",
    ...(c.extra?.Dockerfile !== undefined ? ["Dockerfile"] : []),
  ];
  return names.map((n) => `f ${n}`);
}

/** What the packer must send for a tree, given what BuildKit sent. */
export function expectedPacked(c: TreeCase, buildkit: readonly string[]): string[] {
  return [...new Set([...buildkit, ...alwaysSentEntries(c)])].sort();
}
