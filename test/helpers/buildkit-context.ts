// What the real BuildKit receives for each test tree: the oracle of the .dockerignore
// differential test. Ordinary trees are named build contexts of one build (each honours its
// own .dockerignore, as the main context does), mounted and listed; trees that need the main
// context (a Dockerfile, Dockerfile.dockerignore) are built with `COPY . /ctx/`; trees
// BuildKit must refuse (one error fails a whole build) get a build each. Builds run a few at
// a time on the stack's dockerd.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { run } from "../../builder/src/process/spawn.js";
import { listTree, writeTree, type TreeCase } from "./dockerignore-trees.js";
import { BUSYBOX } from "./stack-env.js";

export interface BuildkitAnswer {
  /** The tree as BuildKit sent it ("d path", "f path", "l path -> target"). */
  entries?: string[];
  /** BuildKit's error when the build failed. */
  error?: string;
}

interface BuildxResult {
  ok: boolean;
  /** The last lines of output. */
  output: string;
  /** buildx's closing "ERROR: failed to solve: <cause>" line of a failed build. */
  cause: string;
}

async function buildx(argv: string[], env?: NodeJS.ProcessEnv): Promise<BuildxResult> {
  const r = await run(["docker", "buildx", "build", "--progress=plain", ...argv], {
    keepLines: 40,
    ...(env ? { env } : {}),
  });
  const lines = [...r.stderr, ...r.stdout];
  const cause = lines.filter((l) => l.startsWith("ERROR: ")).at(-1) ?? "";
  return { ok: r.exitCode === 0, output: lines.join("\n"), cause };
}

/** `docker buildx build dir` of a Dockerfile that copies the context to /ctx/: what it sent. */
export async function sentByBuildx(dir: string, out: string): Promise<string[]> {
  const r = await buildx(["--output", `type=local,dest=${out}`, dir]);
  if (!r.ok) throw new Error(`docker buildx build ${dir} failed:\n${r.output}`);
  return listTree(path.join(out, "ctx"));
}

/** The files under /ctx of a pushed image, read by BuildKit itself (DOCKER_CONFIG for the registry). */
export async function imageContext(image: string, work: string, dockerConfig: string): Promise<string[]> {
  await mkdir(path.join(work, "from"), { recursive: true });
  await writeFile(path.join(work, "from", "Dockerfile"), `FROM ${image}\n`);
  const out = path.join(work, "image");
  const r = await buildx(["--output", `type=local,dest=${out}`, path.join(work, "from")], {
    ...process.env,
    DOCKER_CONFIG: dockerConfig,
  });
  if (!r.ok) throw new Error(`reading ${image} back failed:\n${r.output}`);
  return listTree(path.join(out, "ctx"));
}

/** Runs tasks with at most `limit` at a time. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

// Lists every mounted context as NUL-separated names: d (directories), f (files), l (symlink
// and target pairs). Mounting the contexts in one RUN costs far less than a COPY per context
// (each COPY is a snapshot on top of the last), and shows the same files: what was sent.
const LIST_SCRIPT = `set -e
for t in $(ls /m); do
  mkdir -p /out/$t && cd /m/$t
  find . -mindepth 1 -type d -print0 > /out/$t/d
  find . -type f -print0 > /out/$t/f
  find . -type l -exec sh -c 'printf "%s\\0%s\\0" "$1" "$(readlink "$1")"' _ {} \\; > /out/$t/l
done
`;

const CAUSE = /excludepatterns|\.dockerignore/;

/** Builds once with `batch` as named contexts t<i>; for refused trees, retries until the cause shows. */
async function listNamedContexts(
  work: string,
  batch: readonly number[],
  dirs: readonly string[],
  expectErrors = false,
): Promise<BuildkitAnswer[]> {
  await mkdir(work, { recursive: true });
  await writeFile(path.join(work, "list.sh"), LIST_SCRIPT);
  const mounts = batch.map((i) => `--mount=from=t${i},target=/m/t${i}`).join(" ");
  // A tree that must be refused never gets as far as a RUN: a plain COPY is the cheapest build.
  await writeFile(
    path.join(work, "Dockerfile"),
    expectErrors
      ? `FROM scratch\n${batch.map((i) => `COPY --from=t${i} . /t${i}/\n`).join("")}`
      : `FROM ${BUSYBOX()} AS list\nRUN --mount=type=bind,source=list.sh,target=/list.sh ${mounts} sh /list.sh\n` +
          "FROM scratch\nCOPY --from=list /out /\n",
  );
  const contexts = batch.flatMap((i) => ["--build-context", `t${i}=${dirs[i]}`]);
  const out = path.join(work, "out");
  let r = await buildx([...contexts, "--output", `type=local,dest=${out}`, work]);
  // When a context fails, BuildKit sometimes reports the cancelled sibling step instead of
  // the cause; the cause is what the test compares, so ask again.
  for (let attempt = 1; expectErrors && !r.ok && !CAUSE.test(r.cause) && attempt < 3; attempt++) {
    r = await buildx([...contexts, "--output", `type=local,dest=${out}`, work]);
  }
  if (!r.ok) return batch.map(() => ({ error: r.cause || r.output }));
  const list = (dir: string) => (expectErrors ? listTree(dir) : readListing(dir));
  return Promise.all(batch.map(async (i) => ({ entries: await list(path.join(out, `t${i}`)) })));
}

async function readListing(dir: string): Promise<string[]> {
  const names = async (kind: string) =>
    (await readFile(path.join(dir, kind), "utf8"))
      .split("\0")
      .slice(0, -1)
      .map((p) => p.replace(/^\.\//, ""));
  const links = await names("l");
  const entries = [
    ...(await names("d")).map((p) => `d ${p}`),
    ...(await names("f")).map((p) => `f ${p}`),
    ...links.flatMap((p, k) => (k % 2 === 0 ? [`l ${p} -> ${links[k + 1]}`] : [])),
  ];
  return entries.sort();
}

/** BuildKit's answer for every case, in order; trees are written under `root/<index>`. */
export async function askBuildkit(
  root: string,
  cases: readonly TreeCase[],
  options: {
    /** The trees are expected to be refused: one build each. */
    expectErrors?: boolean;
    /** Named contexts per build (default: all in one). */
    perBuild?: number;
    concurrency?: number;
  } = {},
): Promise<BuildkitAnswer[]> {
  const dirs = cases.map((_, i) => path.join(root, `t${i}`));
  await Promise.all(cases.map((c, i) => writeTree(dirs[i]!, c)));
  const answers: BuildkitAnswer[] = new Array<BuildkitAnswer>(cases.length);
  const tasks: (() => Promise<void>)[] = [];
  const main = cases.flatMap((c, i) => (c.main ? [i] : []));
  for (const i of main) {
    tasks.push(async () => {
      const out = path.join(root, `out-t${i}`);
      const r = await buildx(["--output", `type=local,dest=${out}`, dirs[i]!]);
      answers[i] = r.ok ? { entries: await listTree(path.join(out, "ctx")) } : { error: r.cause || r.output };
    });
  }
  // A refused tree fails its whole build, so each of those is a build of its own.
  const named = cases.flatMap((c, i) => (c.main ? [] : [i]));
  const perBuild = options.expectErrors ? 1 : (options.perBuild ?? named.length);
  for (let start = 0; start < named.length; start += perBuild) {
    const batch = named.slice(start, start + perBuild);
    tasks.push(async () => {
      const listed = await listNamedContexts(
        path.join(root, `batch-${start}`),
        batch,
        dirs,
        options.expectErrors,
      );
      batch.forEach((i, k) => (answers[i] = listed[k]!));
    });
  }
  await pool(tasks, options.concurrency ?? 4);
  return answers;
}
