// The context filter of `submit --context DIR` (common/dockerignore/: BuildKit's rules and
// its choice of ignore file); an ignore file BuildKit would refuse is a usage error (exit 2)
// naming the file, the line and the pattern.
import {
  resolveContextFilter as resolveFilter,
  type ContextFilter,
} from "../../../common/dockerignore/context-filter.js";
import { isDockerignoreError } from "../../../common/dockerignore/dockerignore-error.js";
import { usageError } from "../errors.js";

export { buildContextFilter, type ContextFilter } from "../../../common/dockerignore/context-filter.js";

export async function resolveContextFilter(dir: string): Promise<ContextFilter> {
  try {
    return await resolveFilter(dir);
  } catch (err) {
    throw isDockerignoreError(err) ? usageError(err.message) : err;
  }
}
