// Backoff for a builder that is scaling up from zero or restarting: quick first
// retries (a warm replica answers at once), then capped exponential steps with jitter
// so many cron jobs do not hit the gateway in lock-step.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** 0..1: the fraction of the delay that is randomised. */
  jitter?: number;
}

/** The delay before retry number `attempt` (1-based). `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { initialMs = 500, maxMs = 10_000, factor = 2, jitter = 0.2 } = options;
  const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - jitter + jitter * random()));
}

/**
 * `Retry-After` (seconds or an HTTP date) in ms, capped; `undefined` when absent or unreadable.
 * `now` is injectable for tests.
 */
export function parseRetryAfter(
  value: string | undefined,
  capMs: number,
  now = Date.now(),
): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(capMs, Math.max(0, seconds));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
