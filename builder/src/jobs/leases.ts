// Leases, target locks, claims and cancel requests: the durable coordination files
// that let several replicas share one data dir (SPEC §3 "Durability").
//   claims/<id>-<attempt>[.step]  exclusive create: one replica per attempt and step
//   leases/<id>.json              {owner, attempt, expiresAt}, renewed every lease/3
//   locks/<target>.json           one running build per target across replicas
//   cancel/<id>                   a cancel request for the replica that runs <id>
import {
  createExclusive,
  fileExists,
  removeFile,
  removeIfStale,
  resolveJson,
  writeJsonAtomic,
} from "./atomic-files.js";
import type { JobPaths } from "./job-paths.js";

export interface Lease {
  owner: string;
  buildId: string;
  attempt: number;
  expiresAt: string;
}

export type ClaimPurpose = "run" | "cancel" | "expire" | "recover" | "requeue" | "announce";

export function isLeaseExpired(lease: Pick<Lease, "expiresAt"> | undefined, now: Date): boolean {
  return lease === undefined || !(Date.parse(lease.expiresAt) > now.getTime());
}

export function buildLease(
  owner: string,
  buildId: string,
  attempt: number,
  now: Date,
  leaseMs: number,
): Lease {
  return { owner, buildId, attempt, expiresAt: new Date(now.getTime() + leaseMs).toISOString() };
}

export class Coordination {
  constructor(private readonly paths: JobPaths) {}

  /** True when this replica won the step for this attempt (exactly one replica does). */
  claim(id: string, attempt: number, owner: string, purpose: ClaimPurpose, now: Date): Promise<boolean> {
    const step =
      purpose === "recover" || purpose === "requeue" || purpose === "announce" ? purpose : undefined;
    return createExclusive(
      this.paths.claim(id, attempt, step),
      JSON.stringify({ owner, purpose, at: now.toISOString() }),
    );
  }

  writeLease(lease: Lease): Promise<void> {
    return writeJsonAtomic(this.paths.lease(lease.buildId), lease);
  }

  resolveLease(id: string): Promise<Lease | undefined> {
    return resolveJson<Lease>(this.paths.lease(id));
  }

  /** Removes the lease if it is still ours (a recovered build's lease belongs to no one). */
  async releaseLease(id: string, owner: string): Promise<void> {
    const lease = await this.resolveLease(id);
    if (lease?.owner === owner) await removeFile(this.paths.lease(id));
  }

  /**
   * Takes the target's lock for `lease.buildId`. A lock whose holder stopped renewing is
   * stolen (rename-away, so only one replica steals it).
   */
  async acquireTargetLock(target: string, lease: Lease, now: Date): Promise<boolean> {
    const file = this.paths.targetLock(target);
    const body = JSON.stringify(lease);
    if (await createExclusive(file, body)) return true;
    const stolen = await removeIfStale<Lease>(file, (held) => isLeaseExpired(held, now));
    return stolen && (await createExclusive(file, body));
  }

  /** Extends the lock if this build still holds it; false when it was lost. */
  async renewTargetLock(target: string, lease: Lease): Promise<boolean> {
    const file = this.paths.targetLock(target);
    const held = await resolveJson<Lease>(file);
    if (held?.owner !== lease.owner || held.buildId !== lease.buildId) return false;
    await writeJsonAtomic(file, lease);
    return true;
  }

  async releaseTargetLock(target: string, owner: string, buildId: string): Promise<void> {
    const file = this.paths.targetLock(target);
    const held = await resolveJson<Lease>(file);
    if (held?.owner === owner && held.buildId === buildId) await removeFile(file);
  }

  /** True when some build holds an unexpired lock on the target. */
  async isTargetBusy(target: string, now: Date): Promise<boolean> {
    return !isLeaseExpired(await resolveJson<Lease>(this.paths.targetLock(target)), now);
  }

  async requestCancel(id: string, now: Date): Promise<void> {
    await createExclusive(this.paths.cancelRequest(id), JSON.stringify({ at: now.toISOString() }));
  }

  hasCancelRequest(id: string): Promise<boolean> {
    return fileExists(this.paths.cancelRequest(id));
  }

  clearCancelRequest(id: string): Promise<void> {
    return removeFile(this.paths.cancelRequest(id));
  }
}
