// Flag values checked before anything is sent, with messages naming the flag and the value.
// The rules are the shared ones (common/values.ts) the builder applies too.
import type { z } from "zod";
import { BUILD_STATUSES, type BuildStatus } from "../../../common/build-record.js";
import { targetNameSchema } from "../../../common/build-request.js";
import {
  buildArgNameSchema,
  buildArgValueSchema,
  gitRefSchema,
  imageTagSchema,
  platformSchema,
} from "../../../common/values.js";
import { usageError } from "../errors.js";

function check<T>(schema: z.ZodType<T>, flag: string, value: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const why = result.error.issues.map((i) => i.message).join("; ");
    throw usageError(`${flag} ${JSON.stringify(value)} is not valid: ${why}`);
  }
  return result.data;
}

export const parseTarget = (v: string, flag = "<target>") => check(targetNameSchema, flag, v);
export const parseRef = (v: string) => check(gitRefSchema, "--ref", v);
export const parseTag = (v: string) => check(imageTagSchema, "--tag", v);
export const parsePlatform = (v: string) => check(platformSchema, "--platform", v);

export function parseBuildArgs(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw usageError(`--build-arg ${JSON.stringify(v)} is not KEY=VALUE`);
    const key = check(buildArgNameSchema, "--build-arg", v.slice(0, eq));
    out[key] = check(buildArgValueSchema, `--build-arg ${key}`, v.slice(eq + 1));
  }
  return out;
}

export function parseStatus(v: string): BuildStatus {
  if (!(BUILD_STATUSES as readonly string[]).includes(v)) {
    throw usageError(
      `--status ${JSON.stringify(v)} is not a status; use one of ${BUILD_STATUSES.join(", ")}`,
    );
  }
  return v as BuildStatus;
}
