// One valid build record for tests (and benches) to start from; each suite overrides
// what it is about instead of restating every field.
import type { BuildRecord } from "../../common/build-record.js";

export function makeBuildRecord(over: Partial<BuildRecord> = {}): BuildRecord {
  const target = over.target ?? "worker";
  return {
    id: "b_01TEST",
    target,
    status: "queued",
    deduplicated: false,
    source: { kind: "path", name: "examples", commit: null },
    tags: [],
    platforms: ["linux/amd64"],
    push: false,
    digest: null,
    trigger: { kind: "api" },
    attempt: 1,
    phases: [],
    smoke: null,
    backup: null,
    error: null,
    params: {
      target,
      tags: [],
      platforms: ["linux/amd64"],
      buildArgs: {},
      push: false,
      smoke: true,
      noCache: false,
    },
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}

/** A git build of the worker that pushed two tags: what the renderers and notifiers show. */
export function makeFinishedGitRecord(over: Partial<BuildRecord> = {}): BuildRecord {
  return makeBuildRecord({
    status: "succeeded",
    source: { kind: "git", name: "comfyume", ref: "v0.11.0", commit: "3382f4a0123456789" },
    tags: ["ghcr.io/ahelme/comfyume-worker:v0.11.0", "ghcr.io/ahelme/comfyume-worker:sha-3382f4a"],
    push: true,
    digest: `sha256:${"ab".repeat(32)}`,
    params: {
      target: "worker",
      tags: [],
      platforms: [],
      buildArgs: {},
      push: true,
      smoke: true,
      noCache: false,
    },
    ...over,
  });
}
