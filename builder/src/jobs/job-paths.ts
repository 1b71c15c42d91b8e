// Where the job layer keeps its durable state, under BUILDER_DATA_DIR/jobs (beside the
// store's records and logs). Every replica computes the same paths from the same dir.
import path from "node:path";
import { sha256Hex } from "./build-keys.js";

export interface JobPaths {
  root: string;
  /** claims/<id>-<attempt>[.<step>]: exactly one replica performs each step of each attempt. */
  claim(id: string, attempt: number, step?: "recover" | "requeue" | "announce"): string;
  /** leases/<id>.json: {owner, attempt, expiresAt} of a running build. */
  lease(id: string): string;
  /** locks/<target>.json: the one build per target that may run (the cache is per target). */
  targetLock(target: string): string;
  /** cancel/<id>: a durable cancel request for a build running on another replica. */
  cancelRequest(id: string): string;
  idempotency(key: string): string;
  dedup(key: string): string;
  delivery(id: string): string;
}

/** Ids and targets are validated names; keys and deliveries are hashed so any text is safe. */
export function buildJobPaths(dataDir: string): JobPaths {
  const root = path.join(path.resolve(dataDir), "jobs");
  return {
    root,
    claim: (id, attempt, step) => path.join(root, "claims", `${id}-${attempt}${step ? `.${step}` : ""}`),
    lease: (id) => path.join(root, "leases", `${id}.json`),
    targetLock: (target) => path.join(root, "locks", `${target}.json`),
    cancelRequest: (id) => path.join(root, "cancel", id),
    idempotency: (key) => path.join(root, "idempotency", `${sha256Hex(key)}.json`),
    dedup: (key) => path.join(root, "dedup", `${key}.json`),
    delivery: (id) => path.join(root, "deliveries", `${sha256Hex(id)}.json`),
  };
}
