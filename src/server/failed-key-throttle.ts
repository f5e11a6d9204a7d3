/**
 * Counts refused attempts per client address: wrong API keys, and (in an instance of its own)
 * requests without a key that the audit log records as denied. Past `limit` failures within
 * `windowMs`, the address is refused (429 with Retry-After) until its window ends, before its
 * request is looked at.
 */
export function createFailedKeyThrottle({ limit = 20, windowMs = 60_000, now = Date.now } = {}) {
  const windows = new Map<string, { startedAt: number; failures: number }>();

  function current(address: string) {
    const window = windows.get(address);
    if (window && now() - window.startedAt >= windowMs) {
      windows.delete(address);
      return undefined;
    }
    return window;
  }

  return {
    limit,
    recordFailure(address: string, failures = 1): void {
      const window = current(address);
      if (window) window.failures += failures;
      else windows.set(address, { startedAt: now(), failures });
      // Addresses that stopped guessing are forgotten, so the map stays small.
      if (windows.size > 10_000) for (const key of windows.keys()) current(key);
    },

    /** Seconds until the address may present keys again; undefined when it may now. */
    retryAfter(address: string): number | undefined {
      const window = current(address);
      if (!window || window.failures < limit) return undefined;
      return Math.max(1, Math.ceil((window.startedAt + windowMs - now()) / 1000));
    },
  };
}

export type FailedKeyThrottle = ReturnType<typeof createFailedKeyThrottle>;
