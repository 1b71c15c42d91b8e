// When and how long to wait before asking a registry again. Registries (GHCR above all)
// answer 429 with Retry-After under load and 5xx during incidents; a push that the
// registry accepted must not be reported failed because one HEAD hit a bad second.

export interface RetryPolicy {
  /** Total attempts, the first included (1 = no retry). */
  attempts: number;
  /** Delay before the second attempt; doubles each time. */
  baseMs: number;
  /** Upper bound for any one delay, Retry-After included. */
  maxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseMs: 250, maxMs: 15_000 };

export class RetryPolicyError extends Error {
  readonly code = "INVALID_RETRY_POLICY";
  constructor(message: string) {
    super(message);
    this.name = "RetryPolicyError";
  }
}

/** Validates a policy up front, so a typo fails at construction, not mid-push. */
export function parseRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const { attempts, baseMs, maxMs } = policy;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) {
    throw new RetryPolicyError(
      `retry.attempts ${JSON.stringify(attempts)} must be a whole number from 1 to 20`,
    );
  }
  if (!Number.isFinite(baseMs) || baseMs < 0) {
    throw new RetryPolicyError(
      `retry.baseMs ${JSON.stringify(baseMs)} must be a number of milliseconds >= 0`,
    );
  }
  if (!Number.isFinite(maxMs) || maxMs < baseMs) {
    throw new RetryPolicyError(
      `retry.maxMs ${JSON.stringify(maxMs)} must be a number >= retry.baseMs (${baseMs})`,
    );
  }
  return { attempts, baseMs, maxMs };
}

/** HTTP statuses worth another try: rate limiting, timeouts and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failed (attempt counts from 1):
 * exponential with "equal jitter" (half fixed, half random) so that many builders
 * retrying at once spread out but never retry immediately.
 */
export function computeBackoffMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const half = exponential / 2;
  return Math.round(half + random() * half);
}

/**
 * Retry-After as delta-seconds ("120") or an HTTP date; milliseconds from `now`,
 * never negative. `undefined` when absent or unreadable (the caller backs off instead).
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The wait before the next attempt: the server's Retry-After when it gave one, capped by maxMs. */
export function nextDelayMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random?: () => number,
): number {
  if (retryAfterMs !== undefined) return Math.min(policy.maxMs, retryAfterMs);
  return computeBackoffMs(attempt, policy, random);
}
