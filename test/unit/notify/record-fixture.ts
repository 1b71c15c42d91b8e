// A valid final build record for the notification tests.
import { buildRecordSchema, type BuildRecord } from "../../../common/build-record.js";
import { makeFinishedGitRecord } from "../../helpers/build-record.js";

export function endedRecord(over: Partial<BuildRecord> = {}): BuildRecord {
  return buildRecordSchema.parse(
    makeFinishedGitRecord({
      id: "b_01NOTIFY",
      createdAt: "2026-11-23T12:00:00.000Z",
      startedAt: "2026-11-23T12:00:01.000Z",
      finishedAt: "2026-11-23T12:01:24.000Z",
      durationMs: 83_000,
      ...over,
    }),
  );
}
