// /readyz is polled by load balancers every few seconds per replica; running `docker
// buildx inspect` and writing probe files on every poll would load the builder for
// nothing, so one probe result is shared for `ttlMs` and concurrent callers share one run.
export function createCachedProbe<T>(
  probe: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (cached && t - cached.at < ttlMs) return cached.value;
    const value = probe();
    cached = { at: t, value };
    // A failed probe is not cached: the next poll tries again.
    value.catch(() => {
      if (cached?.value === value) cached = undefined;
    });
    return value;
  };
}
