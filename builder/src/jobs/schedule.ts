// Scheduled rebuilds (POST /v1/hooks/schedule, SPEC §4): the named targets, or every
// target with schedule: true. With changedOnly, a target is rebuilt only when its ref now
// names another commit than its last successful build there, read with `git ls-remote`
// (ctx.resolveRef; nothing is cloned), so a cron every few minutes catches a push whose
// webhook never arrived and costs one ls-remote per source and ref otherwise.
import type { BuildRecord } from "../../../common/build-record.js";
import type { HookResult } from "./github-push.js";
import type { JobContext } from "./job-context.js";
import type { SkippedTarget } from "./push-targets.js";
import { ServiceError } from "./service-error.js";
import type { SubmitOptions, SubmitResult } from "./submit.js";

export interface ScheduleInput {
  targets?: string[];
  ref?: string;
  changedOnly?: boolean;
}

type Submit = (req: { target: string; ref?: string }, opts: SubmitOptions) => Promise<SubmitResult>;

/** What the records say about one target at one ref, newest first. */
interface RefHistory {
  lastSuccess?: BuildRecord;
  /** Ended builds newer than lastSuccess (failed, cancelled, interrupted). */
  newerEnded: BuildRecord[];
}

const PAGE = 200;
const short = (sha: string | null | undefined) => (sha ?? "").slice(0, 12);

function selectTargets(ctx: JobContext, input: ScheduleInput): string[] {
  const { targets } = ctx.config;
  const names =
    input.targets ??
    Object.keys(targets)
      .filter((n) => targets[n]?.schedule)
      .sort();
  const unknown = names.filter((n) => !targets[n]);
  if (unknown.length) {
    throw new ServiceError(
      "INVALID_REQUEST",
      `unknown targets ${unknown.map((n) => JSON.stringify(n)).join(", ")}; configured targets: ${Object.keys(targets).sort().join(", ")}`,
      { issues: unknown.map((n) => ({ path: "targets", message: `unknown target ${JSON.stringify(n)}` })) },
    );
  }
  return names;
}

/**
 * One newest-first pass over the records, stopping once every wanted (target, ref) has
 * its last successful build. Only builds that published like the schedule would (same
 * push setting) count as the image being up to date.
 */
async function readHistories(
  ctx: JobContext,
  wanted: Map<string, { target: string; ref: string; push: boolean }>,
): Promise<Map<string, RefHistory>> {
  const out = new Map<string, RefHistory>([...wanted.keys()].map((k) => [k, { newerEnded: [] }]));
  let open = wanted.size;
  let cursor: string | undefined;
  while (open > 0) {
    const page = await ctx.store.list({ limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const r of page.builds) {
      if (r.source.kind !== "git") continue;
      const key = historyKey(r.target, r.source.ref);
      const want = wanted.get(key);
      const history = out.get(key);
      if (!want || !history || history.lastSuccess) continue;
      if (r.status === "succeeded" && r.push === want.push) {
        history.lastSuccess = r;
        open -= 1;
      } else if (r.status === "failed" || r.status === "cancelled" || r.status === "interrupted") {
        history.newerEnded.push(r);
      }
    }
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out;
}

const historyKey = (target: string, ref: string) => `${target}\u0000${ref}`;

/** Why a target is not rebuilt although changedOnly asked for the check; undefined: rebuild. */
function upToDateReason(ref: string, commit: string, history: RefHistory | undefined): string | undefined {
  const last = history?.lastSuccess;
  if (last?.source.kind === "git" && last.source.commit === commit)
    return `up to date: ${ref} is still at ${short(commit)}, built by ${last.id}`;
  // A commit that was already tried and failed is not rebuilt every few minutes (and not
  // announced every few minutes): someone has to fix it or retry it.
  const tried = history?.newerEnded.find((r) => r.source.kind === "git" && r.source.commit === commit);
  if (tried)
    return `${ref} is at ${short(commit)}, which build ${tried.id} already tried (${tried.status}); retry that build to try again`;
  return undefined;
}

interface Plan {
  name: string;
  ref: string;
  push: boolean;
  /** The commit ls-remote reads for the ref, or why it could not. */
  head: Promise<{ commit: string } | { error: string }>;
}

/** One ls-remote per (source, ref), all started at once; directory sources are skipped. */
function planChecks(
  ctx: JobContext,
  names: string[],
  ref: string | undefined,
  skipped: SkippedTarget[],
): Plan[] {
  const { targets, sources } = ctx.config;
  const heads = new Map<string, Plan["head"]>();
  const plans: Plan[] = [];
  for (const name of names) {
    const target = targets[name]!;
    const source = sources[target.source];
    if (!source || !("git" in source)) {
      skipped.push({
        target: name,
        reason: `its source ${JSON.stringify(target.source)} is a directory, which has no commits to compare; schedule it without changedOnly`,
      });
      continue;
    }
    const at = ref ?? source.defaultRef;
    const key = `${target.source}\u0000${at}`;
    if (!heads.has(key)) {
      const head = ctx.resolveRef({ ...source, name: target.source }, at).then(
        (commit) => ({ commit }),
        (err: unknown) => ({
          error: `could not read ${at} with git ls-remote: ${err instanceof Error ? err.message : String(err)}`,
        }),
      );
      heads.set(key, head);
    }
    plans.push({ name, ref: at, push: target.push, head: heads.get(key)! });
  }
  return plans;
}

async function scheduleChanged(
  ctx: JobContext,
  names: string[],
  ref: string | undefined,
  submit: Submit,
): Promise<HookResult> {
  const skipped: SkippedTarget[] = [];
  const plans = planChecks(ctx, names, ref, skipped);
  const wanted = new Map(
    plans.map((p) => [historyKey(p.name, p.ref), { target: p.name, ref: p.ref, push: p.push }]),
  );
  const [histories, heads] = await Promise.all([
    readHistories(ctx, wanted),
    Promise.all(plans.map((p) => p.head)),
  ]);
  const builds: BuildRecord[] = [];
  for (const [i, plan] of plans.entries()) {
    const head = heads[i]!;
    if ("error" in head) {
      skipped.push({ target: plan.name, reason: head.error });
      continue;
    }
    const history = histories.get(historyKey(plan.name, plan.ref));
    const reason = upToDateReason(plan.ref, head.commit, history);
    if (reason !== undefined) {
      skipped.push({ target: plan.name, reason });
      continue;
    }
    const opts = { trigger: { kind: "schedule" as const }, commit: head.commit };
    builds.push((await submit({ target: plan.name, ref: plan.ref }, opts)).record);
  }
  const result: HookResult = { builds, skipped };
  if (builds.length === 0)
    result.ignored = names.length
      ? "every target is up to date (see skipped)"
      : "no target has schedule: true";
  return result;
}

export async function scheduleBuilds(
  ctx: JobContext,
  input: ScheduleInput,
  submit: Submit,
): Promise<HookResult> {
  const names = selectTargets(ctx, input);
  if (input.changedOnly) return scheduleChanged(ctx, names, input.ref, submit);
  const { targets, sources } = ctx.config;
  const builds: BuildRecord[] = [];
  for (const name of names) {
    const source = sources[targets[name]!.source];
    const ref = input.ref !== undefined && source && "git" in source ? { ref: input.ref } : {};
    builds.push((await submit({ target: name, ...ref }, { trigger: { kind: "schedule" } })).record);
  }
  return builds.length ? { builds } : { builds, ignored: "no target has schedule: true" };
}
