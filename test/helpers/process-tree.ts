// The processes a test's builder started (from /proc): to read a child's environment, or
// to kill a replica with everything it ran, as a crashed container would go.
import { readdir, readFile } from "node:fs/promises";

async function parentOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Every live descendant of `root` (children, grandchildren...). */
export async function resolveDescendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = await parentOf(Number(name));
    if (ppid !== undefined) parents.set(Number(name), ppid);
  }
  const out: number[] = [];
  for (const pid of parents.keys()) {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

/** argv of a process, or undefined when it is gone. */
export async function resolveCmdline(pid: number): Promise<string[] | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}

/** The environment of a process as NAME=value strings, or undefined when it is gone. */
export async function resolveEnviron(pid: number): Promise<string[] | undefined> {
  try {
    return (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}

/** SIGKILLs `root` and every descendant at once: a replica dying with all it ran. */
export async function killTree(root: number): Promise<void> {
  const all = [root, ...(await resolveDescendants(root))];
  for (const pid of all) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
