// A minimal valid build record for store tests.
import type { BuildRecord } from "../../../common/build-record.js";
import { makeBuildRecord } from "../../helpers/build-record.js";

export function makeRecord(id: string, overrides: Partial<BuildRecord> = {}): BuildRecord {
  return makeBuildRecord({ id, ...overrides });
}
