// POST /v1/hooks/github (HMAC-verified, delivery-deduplicated push webhook, JSON or
// form-encoded as GitHub sends them) and POST /v1/hooks/schedule (cron). Both answer with
// the builds they started and, per target not built, why.
import type { Context } from "hono";
import type { AppDeps } from "../deps.js";
import { HttpError, fromZodError, invalidRequest } from "../errors.js";
import { parseJsonBody, readBodyCapped } from "../request-body.js";
import { scheduleBodySchema } from "../schemas.js";
import { parseSignatureHeader, type WebhookIntake } from "../webhook-intake.js";
import { assertAcceptingBuilds } from "./builds.js";

export { verifyGithubSignature } from "../webhook-intake.js";

/** GitHub's two content types for hooks: "json" and "form" (`payload=<urlencoded JSON>`). */
type HookContentType = "json" | "form";

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

function hookContentType(c: Context): HookContentType {
  const raw = c.req.header("content-type") ?? "";
  const type = raw.split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") return "json";
  if (type === "application/x-www-form-urlencoded") return "form";
  throw new HttpError(
    415,
    "INVALID_REQUEST",
    `Content-Type ${JSON.stringify(raw.slice(0, 80))} is not a webhook content type; GitHub sends application/json or application/x-www-form-urlencoded.`,
    [{ path: "Content-Type", message: "application/json or application/x-www-form-urlencoded" }],
  );
}

/** The payload object, from JSON or from the form's single `payload` field. */
export function decodeHookPayload(body: Buffer, type: HookContentType): Record<string, unknown> {
  let json: unknown;
  if (type === "form") {
    const values = new URLSearchParams(body.toString("utf8")).getAll("payload");
    if (values.length !== 1) {
      throw invalidRequest(
        `A form-encoded webhook body carries exactly one payload field (found ${values.length}).`,
        [{ path: "payload", message: "exactly one payload=<urlencoded JSON> field" }],
      );
    }
    json = parseJsonBody(Buffer.from(values[0]!, "utf8"), "webhook payload");
  } else {
    json = parseJsonBody(body, "webhook payload");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw invalidRequest("The webhook payload must be a JSON object.", [
      { path: "(root)", message: "must be an object" },
    ]);
  }
  return json as Record<string, unknown>;
}

/**
 * Everything that can be refused from the headers is refused before the body is read;
 * the body is then read by the intake (capped, bounded, HMAC-checked) and only then parsed.
 */
export async function githubHook(c: Context, deps: AppDeps, intake: WebhookIntake): Promise<Response> {
  // Every answer closes the connection: a refused body is then not drained by the server
  // (which would read up to 64 MB of it per request), and GitHub opens a new connection
  // per delivery anyway.
  c.header("Connection", "close");
  const secret = deps.settings.webhookSecret;
  if (!secret) {
    throw new HttpError(
      401,
      "UNAUTHORIZED",
      "Webhooks are disabled: BUILDER_WEBHOOK_SECRET is not set on this builder.",
    );
  }
  const signature = parseSignatureHeader(c.req.header("x-hub-signature-256"));
  if (!signature) {
    throw new HttpError(
      401,
      "UNAUTHORIZED",
      "X-Hub-Signature-256 is missing or is not sha256=<64 hex digits>; GitHub sends it when the hook has a secret.",
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
  const type = hookContentType(c);
  if (event === "push") assertAcceptingBuilds(deps);
  const body = await intake.readSigned(c.req.raw, secret, signature);
  const payload = decodeHookPayload(body, type);
  const result = await deps.service.handleGithubPush({ deliveryId, event, payload });
  deps.logger.info("github webhook", {
    delivery: deliveryId,
    event,
    builds: result.builds.map((b) => b.id),
    skipped: result.skipped?.map((s) => s.target),
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
  const { targets, ref, changedOnly } = parsed.data;
  const result = await deps.service.schedule({
    ...(targets ? { targets } : {}),
    ...(ref ? { ref } : {}),
    ...(changedOnly ? { changedOnly } : {}),
  });
  deps.logger.info("scheduled rebuild", {
    builds: result.builds.map((b) => b.id),
    skipped: result.skipped?.map((s) => s.target),
    changedOnly: changedOnly ?? false,
  });
  return c.json(result, 202);
}
