// GitHub push webhooks (the HMAC is checked by the HTTP layer): the payload validated
// before anything is stored, delivery-id dedup, deletions and non-push events
// acknowledged and ignored, and a build at the pushed commit of every target the push
// plan picks (push-targets.ts), with a reason for each target it does not. No clone
// and no ref resolution: the payload names the commit, so this answers well within
// GitHub's 10 s.
import type { BuildRecord } from "../../../common/build-record.js";
import { createExclusive, removeFile } from "./atomic-files.js";
import type { JobContext } from "./job-context.js";
import { parsePushEvent } from "./push-event.js";
import { planPushTargets, type SkippedTarget } from "./push-targets.js";
import { ServiceError } from "./service-error.js";
import type { SubmitOptions, SubmitResult } from "./submit.js";

export interface GithubPushInput {
  deliveryId: string;
  event: string;
  payload: unknown;
}

export interface HookResult {
  builds: BuildRecord[];
  /** Each configured target not built, and why. */
  skipped?: SkippedTarget[];
  /** Why the request as a whole started nothing. */
  ignored?: string;
  duplicate?: boolean;
}

type Submit = (req: { target: string; ref?: string }, opts: SubmitOptions) => Promise<SubmitResult>;

const DELIVERY_ID = /^[A-Za-z0-9._-]{1,128}$/;

export async function handleGithubPush(
  ctx: JobContext,
  input: GithubPushInput,
  submit: Submit,
): Promise<HookResult> {
  if (typeof input.deliveryId !== "string" || !DELIVERY_ID.test(input.deliveryId)) {
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
  const event = parsePushEvent(input.payload);
  const marker = ctx.paths.delivery(input.deliveryId);
  if (
    !(await createExclusive(marker, JSON.stringify({ at: ctx.now().toISOString(), after: event.commit })))
  ) {
    return { builds: [], duplicate: true, ignored: `delivery ${input.deliveryId} was already handled` };
  }
  if (event.deleted) {
    return { builds: [], ignored: `${event.ref} was deleted; nothing to build` };
  }
  const plan = planPushTargets(ctx.config, event);
  const trigger = {
    kind: "webhook" as const,
    delivery: input.deliveryId,
    repository: event.repositoryName,
    ref: event.ref,
  };
  const builds: BuildRecord[] = [];
  try {
    for (const target of plan.build) {
      const { record } = await submit({ target, ref: event.name }, { trigger, commit: event.commit });
      builds.push(record);
    }
  } catch (err) {
    // Forget the delivery so a redelivery (manual, or through GitHub's API) can finish the
    // job; builds already started are found again by dedup.
    await removeFile(marker);
    throw err;
  }
  const result: HookResult = { builds, skipped: plan.skipped };
  if (builds.length === 0) result.ignored = "no configured target takes this push (see skipped)";
  return result;
}
