// Which targets a push builds, and for each one it does not, why (the webhook's reply
// says so, so an operator never has to guess). Pure: config + parsed push → a plan.
import type { BuilderConfig } from "../config/builder-config.js";
import type { PushEvent } from "./push-event.js";
import { effectiveRefGlobs, isSameRepository, matchesRefs, matchesWatch } from "./repo-match.js";

export interface SkippedTarget {
  target: string;
  reason: string;
}

export interface PushPlan {
  build: string[];
  skipped: SkippedTarget[];
}

const list = (values: readonly string[], max = 5) =>
  values
    .slice(0, max)
    .map((v) => JSON.stringify(v))
    .join(", ") + (values.length > max ? `, … (${values.length} in all)` : "");

function skipReason(config: BuilderConfig, name: string, event: PushEvent): string | undefined {
  const target = config.targets[name]!;
  const source = config.sources[target.source];
  if (source === undefined || !("git" in source))
    return `its source ${JSON.stringify(target.source)} is a directory, not a git repository`;
  if (!isSameRepository(source.git, event.repository))
    return `its source ${JSON.stringify(target.source)} is another repository than ${event.repositoryName}`;
  // watch and refs both left at their defaults: the target never asked for push builds,
  // and a tag or forced push must not start what an ordinary push never would.
  if (target.watch.length === 0 && target.refs === undefined)
    return "it sets neither watch nor refs, so pushes do not build it";
  const globs = effectiveRefGlobs(target.refs, source.defaultRef);
  if (!matchesRefs(globs, event.ref))
    return `${event.ref} matches none of its refs (${list(globs)})${target.refs ? "" : ", the default from the source's defaultRef"}`;
  if (event.paths === undefined) return undefined; // unknown changes: every accepting target builds
  if (target.watch.length === 0) return "it watches no paths (watch is empty)";
  if (!matchesWatch(target.watch, event.paths))
    return `no changed path (${list(event.paths)}) matches its watch globs (${list(target.watch)})`;
  return undefined;
}

/** Every configured target, sorted by name, either built or skipped with a reason. */
export function planPushTargets(config: BuilderConfig, event: PushEvent): PushPlan {
  const plan: PushPlan = { build: [], skipped: [] };
  for (const name of Object.keys(config.targets).sort()) {
    const reason = skipReason(config, name, event);
    if (reason === undefined) plan.build.push(name);
    else plan.skipped.push({ target: name, reason });
  }
  return plan;
}
