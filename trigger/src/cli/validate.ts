// Flag values checked before anything is sent, with messages naming the flag and the value.
// The build flags and their rules are the shared ones (common/build-request-flags.ts, the
// code `comfyume-builder run` uses, with the rules of common/values.ts the builder applies).
import { BUILD_STATUSES, type BuildStatus } from "../../../common/build-record.js";
import { UsageError } from "../../../common/cli-flags.js";
import { didYouMean } from "../../../common/suggest.js";

export { parseBuildFlags, parseRefFlag, parseTargetFlag } from "../../../common/build-request-flags.js";

export function parseStatus(v: string): BuildStatus {
  if (!(BUILD_STATUSES as readonly string[]).includes(v)) {
    throw new UsageError(
      `--status ${JSON.stringify(v)} is not a status${didYouMean(v, BUILD_STATUSES)}; use one of ${BUILD_STATUSES.join(", ")}`,
    );
  }
  return v as BuildStatus;
}
