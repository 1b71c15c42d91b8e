// The build-end webhook (SPEC §7, BUILDER_NOTIFY_URL): a JSON POST of the final record,
// signed like GitHub's webhooks so receivers can reuse their verification code:
// X-Builder-Signature-256 is "sha256=" + hex HMAC-SHA256 of the raw body bytes.
import { createHmac } from "node:crypto";
import type { BuildRecord } from "../../../common/build-record.js";
import type { NotifyRequest } from "./notify-request.js";

export const WEBHOOK_EVENT = "build.ended";

export interface WebhookBody {
  event: typeof WEBHOOK_EVENT;
  build: BuildRecord;
}

/** "sha256=<hex>" over the exact bytes sent; the receiver must hash the raw body, not re-serialised JSON. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/**
 * The POST for one ended build. `deliveryId` stays the same across retries of one
 * delivery, so a receiver can drop a duplicate when an answer was lost on the way back.
 */
export function buildWebhookRequest(
  record: BuildRecord,
  opts: { url: string; secret?: string; deliveryId: string },
): NotifyRequest {
  const payload: WebhookBody = { event: WEBHOOK_EVENT, build: record };
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "comfyume-builder",
    "x-builder-event": WEBHOOK_EVENT,
    "x-builder-delivery": opts.deliveryId,
  };
  if (opts.secret) headers["x-builder-signature-256"] = signWebhookBody(body, opts.secret);
  return { kind: "webhook", url: opts.url, headers, body };
}
