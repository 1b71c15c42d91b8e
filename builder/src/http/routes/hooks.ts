// POST /v1/hooks/github (HMAC-verified, delivery-deduplicated push webhook) and
// POST /v1/hooks/schedule (cron). Both answer with the builds they started.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import type { BuildRecord } from "../../../../common/build-record.js";
import type { AppDeps, HookResult, SubmitResult } from "../deps.js";
import { HttpError, fromZodError, invalidRequest } from "../errors.js";
import { parseJsonBody, readBodyCapped } from "../request-body.js";
import { scheduleBodySchema } from "../schemas.js";
import { assertAcceptingBuilds } from "./builds.js";

/** GitHub caps webhook payloads at 25 MB. */
const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/** True when `header` is `sha256=<hex>` of HMAC-SHA256(secret, body). Constant time over equal lengths. */
export function verifyGithubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? "");
  if (!m) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(m[1]!, "hex"));
}

function headerValue(c: Context, name: string, pattern: RegExp, hint: string): string {
  const v = c.req.header(name);
  if (v === undefined || !pattern.test(v)) {
    throw invalidRequest(
      `${name} ${v === undefined ? "is missing" : `${JSON.stringify(v.slice(0, 80))} is not valid`}; ${hint}.`,
      [{ path: name, message: hint }],
    );
  }
  return v;
}

function normalize(result: HookResult | BuildRecord[] | SubmitResult[]): HookResult {
  if (!Array.isArray(result)) return result;
  return { builds: result.map((r) => ("record" in r ? r.record : r)) };
}

export async function githubHook(c: Context, deps: AppDeps): Promise<Response> {
  const secret = deps.settings.webhookSecret;
  if (!secret) {
    throw new HttpError(
      401,
      "UNAUTHORIZED",
      "Webhooks are disabled: BUILDER_WEBHOOK_SECRET is not set on this builder.",
    );
  }
  const body = await readBodyCapped(c.req.raw, MAX_WEBHOOK_BYTES, "webhook payload");
  if (!verifyGithubSignature(secret, body, c.req.header("x-hub-signature-256"))) {
    throw new HttpError(
      401,
      "UNAUTHORIZED",
      "X-Hub-Signature-256 is missing or does not match the payload signed with the webhook secret.",
    );
  }
  const deliveryId = headerValue(
    c,
    "X-GitHub-Delivery",
    /^[A-Za-z0-9-]{1,128}$/,
    "a delivery id is 1-128 letters, digits or '-'",
  );
  const event = headerValue(
    c,
    "X-GitHub-Event",
    /^[a-z_]{1,64}$/,
    "an event name is lower-case letters and '_'",
  );
  const payload = parseJsonBody(body, "webhook payload");
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw invalidRequest("The webhook payload must be a JSON object.", [
      { path: "(root)", message: "must be an object" },
    ]);
  }
  if (event === "push") assertAcceptingBuilds(deps);
  const result = normalize(await deps.service.handleGithubPush({ deliveryId, event, payload }));
  deps.logger.info("github webhook", {
    delivery: deliveryId,
    event,
    builds: result.builds.map((b) => b.id),
    ignored: result.ignored,
    duplicate: result.duplicate,
  });
  return c.json(result, 202);
}

export async function scheduleHook(c: Context, deps: AppDeps): Promise<Response> {
  assertAcceptingBuilds(deps);
  const body = parseJsonBody(await readBodyCapped(c.req.raw, 64 * 1024, "schedule body"), "schedule body");
  const parsed = scheduleBodySchema.safeParse(body ?? {});
  if (!parsed.success) throw fromZodError(parsed.error, "schedule request");
  const input: { targets?: string[]; ref?: string } = {};
  if (parsed.data.targets) input.targets = parsed.data.targets;
  if (parsed.data.ref) input.ref = parsed.data.ref;
  const result = normalize(await deps.service.schedule(input));
  deps.logger.info("scheduled rebuild", { builds: result.builds.map((b) => b.id) });
  return c.json(result, 202);
}
