// GitHub push webhooks (the HMAC is checked by the HTTP layer): delivery-id dedup,
// non-push events and branch deletions acknowledged and ignored, and a build at the
// pushed commit of every target whose source is the pushed repository and whose watch
// globs match a changed path. No clone and no ref resolution: `after` is the SHA, so
// this answers well within GitHub's time limit.
import type { BuildRecord } from "../../../common/build-record.js";
import { createExclusive, removeFile } from "./atomic-files.js";
import type { JobContext } from "./job-context.js";
import { changedPaths, isSameRepository, matchesWatch, type PushRepository } from "./repo-match.js";
import { ServiceError } from "./service-error.js";
import type { SubmitOptions, SubmitResult } from "./submit.js";

export interface GithubPushInput {
  deliveryId: string;
  event: string;
  payload: unknown;
}

export interface HookResult {
  builds: BuildRecord[];
  ignored?: string;
  duplicate?: boolean;
}

type Submit = (req: { target: string; ref?: string }, opts: SubmitOptions) => Promise<SubmitResult>;

interface PushPayload {
  ref: string;
  after: string;
  deleted?: boolean;
  repository: PushRepository;
  commits?: unknown;
}

const ZERO_SHA = /^0{40}$/;

function parsePushPayload(payload: unknown): PushPayload {
  const p = payload as Partial<PushPayload> | null;
  const bad = (field: string, what: string) =>
    new ServiceError("INVALID_REQUEST", `push payload field ${field} ${what}`, {
      issues: [{ path: field, message: what }],
    });
  if (p === null || typeof p !== "object") throw bad("(root)", "must be a JSON object");
  if (typeof p.ref !== "string" || p.ref === "") throw bad("ref", 'must be a ref such as "refs/heads/main"');
  if (typeof p.after !== "string" || !/^[0-9a-f]{40}$/.test(p.after))
    throw bad("after", `must be a 40-character commit SHA (got ${JSON.stringify(p.after)?.slice(0, 60)})`);
  if (p.repository === null || typeof p.repository !== "object")
    throw bad("repository", "must be an object with full_name and clone_url");
  return p as PushPayload;
}

/** The targets a push rebuilds, by name. */
export function selectPushTargets(ctx: JobContext, payload: PushPayload): string[] {
  const paths = changedPaths(payload.commits);
  return Object.entries(ctx.config.targets)
    .filter(([, target]) => {
      const source = ctx.config.sources[target.source];
      return (
        source !== undefined &&
        "git" in source &&
        isSameRepository(source.git, payload.repository) &&
        matchesWatch(target.watch, paths)
      );
    })
    .map(([name]) => name)
    .sort();
}

export async function handleGithubPush(
  ctx: JobContext,
  input: GithubPushInput,
  submit: Submit,
): Promise<HookResult> {
  if (typeof input.deliveryId !== "string" || !/^[A-Za-z0-9._-]{1,128}$/.test(input.deliveryId)) {
    throw new ServiceError(
      "INVALID_REQUEST",
      `X-GitHub-Delivery ${JSON.stringify(String(input.deliveryId).slice(0, 140))} is not a delivery id (1-128 letters, digits, '.', '_' or '-')`,
    );
  }
  if (input.event !== "push")
    return {
      builds: [],
      ignored: `event ${JSON.stringify(input.event.slice(0, 64))} is not a push; only push events start builds`,
    };
  const payload = parsePushPayload(input.payload);
  const marker = ctx.paths.delivery(input.deliveryId);
  if (
    !(await createExclusive(marker, JSON.stringify({ at: ctx.now().toISOString(), after: payload.after })))
  ) {
    return { builds: [], duplicate: true, ignored: `delivery ${input.deliveryId} was already handled` };
  }
  if (payload.deleted === true || ZERO_SHA.test(payload.after)) {
    return { builds: [], ignored: `${payload.ref} was deleted; nothing to build` };
  }
  const ref = payload.ref.replace(/^refs\/(heads|tags)\//, "");
  const trigger = {
    kind: "webhook" as const,
    delivery: input.deliveryId,
    repository: payload.repository.full_name ?? payload.repository.clone_url ?? "",
    ref: payload.ref,
  };
  const builds: BuildRecord[] = [];
  try {
    for (const target of selectPushTargets(ctx, payload)) {
      const { record } = await submit({ target, ref }, { trigger, commit: payload.after });
      builds.push(record);
    }
  } catch (err) {
    // Forget the delivery so GitHub's redelivery can finish the job; builds already
    // started are found again by dedup.
    await removeFile(marker);
    throw err;
  }
  return builds.length
    ? { builds }
    : { builds, ignored: "no target watches the changed paths of this repository" };
}
