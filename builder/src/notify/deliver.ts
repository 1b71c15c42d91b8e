// Sends one notification with bounded retries. A notification is a side channel: it
// retries what is worth retrying (connection errors, timeouts, 408/429/5xx) with backoff,
// stops at an overall budget, and reports the outcome instead of throwing.
import { setTimeout as sleep } from "node:timers/promises";
import type { Dispatcher } from "undici";
import { isRetryableStatus, nextDelayMs, parseRetryAfter } from "../registry/retry-policy.js";
import type { NotifyRequest } from "./notify-request.js";

export interface DeliveryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Backoff before the second attempt; doubles each time, with jitter. */
  baseMs: number;
  /** Upper bound of one backoff, Retry-After included. */
  maxMs: number;
  /** One request (connect, answer, body) may take this long. */
  timeoutMs: number;
  /** No attempt starts or runs past this long after the first. */
  budgetMs: number;
}

/** At most ~25 s in all: long enough for a receiver's restart, short enough for a one-shot run's exit. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  attempts: 4,
  baseMs: 500,
  maxMs: 5_000,
  timeoutMs: 10_000,
  budgetMs: 25_000,
};

export interface DeliveryOutcome {
  ok: boolean;
  attempts: number;
  /** The last HTTP status, when there was an answer. */
  status?: number;
  /** Why the last attempt failed (never the URL or a header: they may hold secrets). */
  error?: string;
}

export interface DeliverOptions {
  dispatcher: Dispatcher;
  policy?: DeliveryPolicy;
  /** Abandons the delivery (shutdown past its bound). */
  signal?: AbortSignal;
  random?: () => number;
}

type Attempt =
  { kind: "answer"; status: number; retryAfterMs: number | undefined } | { kind: "error"; message: string };

function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

async function attemptOnce(
  req: NotifyRequest,
  dispatcher: Dispatcher,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Attempt> {
  const url = new URL(req.url);
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: "POST",
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.any([signal, timeout]),
    });
    // The answer's body is not used; reading it lets the connection be reused.
    await res.body.dump();
    const retryAfter = res.headers["retry-after"];
    return {
      kind: "answer",
      status: res.statusCode,
      retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
    };
  } catch (err) {
    if (timeout.aborted && !signal.aborted)
      return { kind: "error", message: `no answer within ${timeoutMs} ms` };
    return { kind: "error", message: errorText(err) };
  }
}

export async function deliver(req: NotifyRequest, opts: DeliverOptions): Promise<DeliveryOutcome> {
  const policy = opts.policy ?? DEFAULT_DELIVERY_POLICY;
  const signal = opts.signal ?? new AbortController().signal;
  const deadline = Date.now() + policy.budgetMs;
  let last: DeliveryOutcome = { ok: false, attempts: 0, error: "not sent" };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const timeoutMs = Math.min(policy.timeoutMs, deadline - Date.now());
    if (signal.aborted || timeoutMs <= 0) break;
    const result = await attemptOnce(req, opts.dispatcher, signal, timeoutMs);
    if (result.kind === "answer") {
      if (result.status >= 200 && result.status < 300)
        return { ok: true, attempts: attempt, status: result.status };
      last = { ok: false, attempts: attempt, status: result.status, error: `HTTP ${result.status}` };
      if (!isRetryableStatus(result.status)) return last;
    } else {
      last = { ok: false, attempts: attempt, error: result.message };
    }
    if (signal.aborted || attempt === policy.attempts) break;
    const delay = nextDelayMs(
      attempt,
      policy,
      result.kind === "answer" ? result.retryAfterMs : undefined,
      opts.random,
    );
    // A wait that would end past the budget leaves no time for a useful attempt.
    if (Date.now() + delay >= deadline) break;
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      // Aborted while waiting: the caller gave up on this delivery; report the last failure.
      break;
    }
  }
  if (signal.aborted) return { ...last, error: `${last.error ?? "not sent"} (abandoned at shutdown)` };
  return last;
}
