// A minimal valid build record for store tests.
import type { BuildRecord, BuildStatus } from "../../../common/build-record.js";

export function makeRecord(id: string, overrides: Partial<BuildRecord> = {}): BuildRecord {
  const target = overrides.target ?? "worker";
  return {
    id,
    target,
    status: "queued" as BuildStatus,
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
    ...overrides,
  };
}
