// Per-build scratch (SPEC §7): `<scratch root>/<build id>/` on local disk holds the clone,
// the per-build DOCKER_CONFIG with the registry credentials, OCI layouts and buildx's
// metadata file, and goes when its build ends. A crash leaves it; this removes it once its
// build is not running anywhere. The dir's `.owner.json` names the process that made it:
// when that process is verifiably dead (same host and pid namespace), the dir goes at
// once; when it cannot be checked, the build's record and lease decide, as for recovery.
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { resolveOwnerFile, resolveOwnerState } from "../process/process-identity.js";
import { SCRATCH_OWNER_FILE } from "../runner/port.js";
import type { JobContext } from "./job-context.js";
import { isLeaseExpired } from "./leases.js";

const BUILD_ID = /^[A-Za-z0-9_-]{1,64}$/;

async function isRunningAnywhere(ctx: JobContext, id: string): Promise<boolean> {
  const record = await ctx.store.get(id);
  if (record?.status !== "running") return false;
  const lease = await ctx.coord.resolveLease(id);
  return lease !== undefined && lease.attempt === record.attempt && !isLeaseExpired(lease, ctx.now());
}

async function isLeftover(
  ctx: JobContext,
  dir: string,
  id: string,
  isRunningHere: (id: string) => boolean,
): Promise<boolean> {
  if (isRunningHere(id)) return false;
  const state = await resolveOwnerState(await resolveOwnerFile(path.join(dir, SCRATCH_OWNER_FILE)));
  if (state === "alive") return false;
  if (state === "gone") return true;
  // "self" falls through: another service in this process (a second runtime on the same
  // data dir) may be running the build; its record and lease say so.
  if (await isRunningAnywhere(ctx, id)) return false;
  // The runner writes the owner marker just after making the dir: give it that moment.
  const st = await stat(dir).catch(() => undefined);
  return !st || st.mtimeMs + ctx.settings.leaseMs < ctx.now().getTime();
}

/** Removes the scratch dirs of builds that run nowhere; returns their names. */
export async function sweepScratch(
  ctx: JobContext,
  root: string,
  isRunningHere: (id: string) => boolean,
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    if (!BUILD_ID.test(name) || !(await isLeftover(ctx, dir, name, isRunningHere))) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
