// A valid final build record for the notification tests.
import { buildRecordSchema, type BuildRecord } from "../../../common/build-record.js";

export function endedRecord(over: Partial<BuildRecord> = {}): BuildRecord {
  return buildRecordSchema.parse({
    id: "b_01NOTIFY",
    target: "worker",
    status: "succeeded",
    deduplicated: false,
    source: { kind: "git", name: "comfyume", ref: "v0.11.0", commit: "3382f4a0123456789" },
    tags: ["ghcr.io/ahelme/comfyume-worker:v0.11.0", "ghcr.io/ahelme/comfyume-worker:sha-3382f4a"],
    platforms: ["linux/amd64"],
    push: true,
    digest: `sha256:${"ab".repeat(32)}`,
    trigger: { kind: "api" },
    attempt: 1,
    phases: [],
    smoke: null,
    backup: null,
    error: null,
    params: {
      target: "worker",
      tags: [],
      platforms: [],
      buildArgs: {},
      push: true,
      smoke: true,
      noCache: false,
    },
    createdAt: "2026-11-23T12:00:00.000Z",
    startedAt: "2026-11-23T12:00:01.000Z",
    finishedAt: "2026-11-23T12:01:24.000Z",
    durationMs: 83_000,
    ...over,
  });
}
