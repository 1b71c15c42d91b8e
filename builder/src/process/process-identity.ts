// Who made a file that may outlive its maker: host, pid namespace, pid and the process's
// start time. Crash sweeps use it to tell a leftover of a dead process (kill -9, OOM)
// from the work of a live one. A pid alone is not enough: pids are reused, containers
// on one host have their own pid namespaces, and replicas on other hosts share the data
// dir over NFS. So an owner counts as gone only when it is verifiably gone: same host,
// same pid namespace, and no process with that pid and start time. Anything else is
// "unknown", and the caller falls back to leases and timestamps.
import { readFile, readlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";

export interface ProcessIdentity {
  host: string;
  /** e.g. "pid:[4026531836]"; null where /proc is not there to say. */
  pidNamespace: string | null;
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22), or null. */
  startTicks: string | null;
}

async function readStartTicks(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) is in parentheses and may hold spaces or ')': count from the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null; // field 22 overall; rest[0] is field 3
  } catch {
    // No such process, or no /proc: the caller treats null as "cannot tell".
    return null;
  }
}

async function readPidNamespace(): Promise<string | null> {
  try {
    return await readlink("/proc/self/ns/pid");
  } catch {
    // No /proc (not Linux): owners can then never be proven gone, only expire.
    return null;
  }
}

let self: Promise<ProcessIdentity> | undefined;

/** This process's identity (read once). */
export function resolveSelfIdentity(): Promise<ProcessIdentity> {
  self ??= (async () => ({
    host: hostname(),
    pidNamespace: await readPidNamespace(),
    pid: process.pid,
    startTicks: await readStartTicks(process.pid),
  }))();
  return self;
}

export type OwnerState = "self" | "alive" | "gone" | "unknown";

/** What can be known about `owner` from this process. */
export async function resolveOwnerState(owner: ProcessIdentity | undefined): Promise<OwnerState> {
  if (!owner) return "unknown";
  const me = await resolveSelfIdentity();
  if (owner.host !== me.host || owner.pidNamespace === null || owner.pidNamespace !== me.pidNamespace)
    return "unknown";
  if (owner.pid === me.pid && owner.startTicks === me.startTicks) return "self";
  const ticks = await readStartTicks(owner.pid);
  if (ticks === null) return "gone";
  // The same pid with another start time is a new process that reused it.
  return owner.startTicks !== null && ticks !== owner.startTicks ? "gone" : "alive";
}

export function isProcessIdentity(value: unknown): value is ProcessIdentity {
  const v = value as Partial<ProcessIdentity> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.host === "string" &&
    typeof v.pid === "number" &&
    (v.pidNamespace === null || typeof v.pidNamespace === "string") &&
    (v.startTicks === null || typeof v.startTicks === "string")
  );
}

/** Writes this process's identity to `file` (an owner marker beside or inside its work). */
export async function writeOwnerFile(file: string): Promise<void> {
  await writeFile(file, JSON.stringify(await resolveSelfIdentity()), { mode: 0o600 });
}

/** The identity in an owner marker; undefined when it is missing or unreadable. */
export async function resolveOwnerFile(file: string): Promise<ProcessIdentity | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    return isProcessIdentity(parsed) ? parsed : undefined;
  } catch {
    // Missing (its owner had not written it yet, or it was swept) or torn by a crash.
    return undefined;
  }
}
