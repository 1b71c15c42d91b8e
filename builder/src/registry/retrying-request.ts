// One HTTP exchange with a registry, retried on what is transient: connection errors,
// 408/429/5xx (honouring Retry-After). Everything else is returned to the caller, who
// knows what a 401 or 404 means for its request. Only idempotent exchanges come here
// (GET, HEAD, and PUT of a manifest, whose bytes are in memory and re-sent as they are).
import { setTimeout as sleep } from "node:timers/promises";
import { request, type Dispatcher } from "undici";
import { RegistryError } from "./errors.js";
import { isRetryableStatus, nextDelayMs, parseRetryAfter, type RetryPolicy } from "./retry-policy.js";
import { errorMessage } from "../../../common/errors.js";

export type HttpMethod = "GET" | "HEAD" | "PUT";
export type Response = Dispatcher.ResponseData;

export interface RetryEvent {
  url: string;
  /** The attempt that failed, counting from 1. */
  attempt: number;
  delayMs: number;
  /** "HTTP 429", "HTTP 503", or the connection error's code/message. */
  reason: string;
}

export interface RetryingRequestOptions {
  dispatcher: Dispatcher;
  policy: RetryPolicy;
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

export interface ExchangeInit {
  method: HttpMethod;
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** A body small enough to hold in memory (a manifest), so every attempt sends it whole. */
  body?: Buffer;
  /** Used in messages: "registry 127.0.0.1:5001 … for ns/img". */
  what: string;
}

/** Undici/Node error codes that mean the exchange never completed; safe to repeat a GET/HEAD. */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

function connectionErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && TRANSIENT_CODES.has(code)) return code;
  }
  return undefined;
}

/**
 * Sends the request until it gets a non-retryable answer or runs out of attempts.
 * A retryable status on the last attempt and a connection error that persists both
 * become REGISTRY_UNAVAILABLE. Aborting rejects at once with the signal's reason.
 */
export async function retryingRequest(
  url: string,
  init: ExchangeInit,
  opts: RetryingRequestOptions,
): Promise<Response> {
  const { policy } = opts;
  for (let attempt = 1; ; attempt++) {
    init.signal?.throwIfAborted();
    let reason: string;
    let retryAfterMs: number | undefined;
    try {
      const res = await request(url, {
        method: init.method,
        headers: init.headers,
        ...(init.body !== undefined && { body: init.body }),
        dispatcher: opts.dispatcher,
        signal: init.signal,
      });
      if (!isRetryableStatus(res.statusCode)) return res;
      // The body of a 429/5xx is an error document; drain it so the connection is reused.
      await res.body.dump();
      reason = `HTTP ${res.statusCode}`;
      retryAfterMs = parseRetryAfter(headerValue(res.headers["retry-after"]));
      if (attempt >= policy.attempts) {
        throw new RegistryError(
          "REGISTRY_UNAVAILABLE",
          `${init.what} answered ${res.statusCode} ${attempt} times in a row; the registry is unavailable or rate-limiting, try again later`,
          res.statusCode,
        );
      }
    } catch (err) {
      if (err instanceof RegistryError || init.signal?.aborted) throw err;
      const code = connectionErrorCode(err);
      if (code === undefined) throw err;
      reason = code;
      if (attempt >= policy.attempts) {
        throw new RegistryError(
          "REGISTRY_UNAVAILABLE",
          `could not reach ${init.what} after ${attempt} attempts (${code}: ${errorMessage(err)})`,
          undefined,
          { cause: err },
        );
      }
    }
    const delayMs = nextDelayMs(attempt, policy, retryAfterMs, opts.random);
    opts.onRetry?.({ url, attempt, delayMs, reason });
    await sleep(delayMs, undefined, init.signal ? { signal: init.signal } : undefined);
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
