// Build-end notifications (SPEC §7): the webhook (BUILDER_NOTIFY_URL, signed with
// BUILDER_NOTIFY_SECRET) and ntfy (NTFY_TOPIC). Sent in the background so a build's end
// is never delayed by a slow receiver; a failure is logged and never changes the build's
// outcome. flush() lets a one-shot run wait (bounded) for what is still in flight.
import { randomUUID } from "node:crypto";
import type { Dispatcher } from "undici";
import type { BuildRecord } from "../../../common/build-record.js";
import type { BuilderEnv } from "../config/env.js";
import { DEFAULT_DELIVERY_POLICY, deliver, type DeliveryPolicy } from "./deliver.js";
import { buildNtfyRequest, parseNtfyUrl } from "./ntfy-message.js";
import { describeTarget, type NotifyRequest } from "./notify-request.js";
import { buildWebhookRequest } from "./webhook-message.js";
import { errorMessage } from "../../../common/errors.js";

export interface NotifySettings {
  webhook?: { url: string; secret?: string };
  ntfyUrl?: string;
  policy: DeliveryPolicy;
}

/** Where notifications say how they went; the service logger (logging/logger.ts) fits. */
export interface NotifyLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface Notifier {
  /** Whether any notification is configured. */
  readonly enabled: boolean;
  /** Starts sending the notifications of an ended build in the background; never throws. */
  notify(record: BuildRecord): void;
  /** Waits for what is in flight, at most `timeoutMs`; what is left then is abandoned and logged. */
  flush(timeoutMs?: number): Promise<void>;
  /** flush(), then closes the connection pool (so a one-shot process can exit at once). */
  close(timeoutMs?: number): Promise<void>;
}

/** Throws EnvError for an NTFY_TOPIC that is neither a topic name nor an http(s) URL. */
export function buildNotifySettings(
  env: Partial<Pick<BuilderEnv, "BUILDER_NOTIFY_URL" | "BUILDER_NOTIFY_SECRET" | "NTFY_TOPIC">> &
    Pick<BuilderEnv, "NTFY_SERVER">,
  policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
): NotifySettings {
  return {
    ...(env.BUILDER_NOTIFY_URL
      ? {
          webhook: {
            url: env.BUILDER_NOTIFY_URL,
            ...(env.BUILDER_NOTIFY_SECRET ? { secret: env.BUILDER_NOTIFY_SECRET } : {}),
          },
        }
      : {}),
    ...(env.NTFY_TOPIC ? { ntfyUrl: parseNtfyUrl(env.NTFY_TOPIC, env.NTFY_SERVER) } : {}),
    policy,
  };
}

/** The requests for one ended build, webhook first. */
export function buildNotifyRequests(
  record: BuildRecord,
  settings: NotifySettings,
  deliveryId: string,
): NotifyRequest[] {
  const out: NotifyRequest[] = [];
  if (settings.webhook) out.push(buildWebhookRequest(record, { ...settings.webhook, deliveryId }));
  if (settings.ntfyUrl) out.push(buildNtfyRequest(record, settings.ntfyUrl));
  return out;
}

export interface NotifierOptions {
  /** The connection pool (default: a lazily created undici Agent of the notifier's own). */
  dispatcher?: Dispatcher;
  /** Default bound of flush()/close(): a little over the delivery budget. */
  flushTimeoutMs?: number;
}

export function createNotifier(
  settings: NotifySettings,
  logger: NotifyLogger,
  opts: NotifierOptions = {},
): Notifier {
  const enabled = Boolean(settings.webhook || settings.ntfyUrl);
  const pending = new Set<Promise<void>>();
  const abandon = new AbortController();
  let dispatcher: Promise<Dispatcher> | undefined = opts.dispatcher
    ? Promise.resolve(opts.dispatcher)
    : undefined;
  // undici is loaded on the first notification only: most runs configure none, and start-up time counts.
  // Its own Agent, not the global dispatcher: Node's built-in fetch may install a different undici's.
  const pool = () =>
    (dispatcher ??= import("undici").then(({ Agent }) => new Agent({ keepAliveTimeout: 4_000 })));
  const defaultFlushMs = opts.flushTimeoutMs ?? settings.policy.budgetMs + 2_000;

  const send = async (record: BuildRecord, req: NotifyRequest): Promise<void> => {
    const fields = {
      buildId: record.id,
      status: record.status,
      kind: req.kind,
      target: describeTarget(req.url),
    };
    try {
      const outcome = await deliver(req, {
        dispatcher: await pool(),
        policy: settings.policy,
        signal: abandon.signal,
      });
      if (outcome.ok) logger.info("build notification sent", { ...fields, attempts: outcome.attempts });
      else
        logger.warn("build notification failed", {
          ...fields,
          attempts: outcome.attempts,
          error: outcome.error,
        });
    } catch (err) {
      // deliver() reports failures as outcomes; this is a bug or a broken undici install, still not the build's concern.
      logger.warn("build notification failed", { ...fields, error: errorMessage(err) });
    }
  };

  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const flush = async (timeoutMs = defaultFlushMs) => {
    if (pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const result = await Promise.race([
      Promise.allSettled([...pending]).then(() => "done" as const),
      timedOut,
    ]);
    clearTimeout(timer);
    if (result === "timeout") {
      logger.warn("build notifications still in flight; abandoning them", {
        pending: pending.size,
        waitedMs: timeoutMs,
      });
      abandon.abort();
      await Promise.allSettled([...pending]);
    }
  };

  return {
    enabled,
    notify(record) {
      if (!enabled) return;
      try {
        const deliveryId = randomUUID();
        for (const req of buildNotifyRequests(record, settings, deliveryId)) track(send(record, req));
      } catch (err) {
        // Called at the end of a build: a notification must never turn into the build's error.
        logger.warn("build notification failed", { buildId: record.id, error: errorMessage(err) });
      }
    },
    flush,
    async close(timeoutMs) {
      await flush(timeoutMs);
      if (dispatcher && !opts.dispatcher) await (await dispatcher).close();
      dispatcher = undefined;
    },
  };
}
