/**
 * Retry timing for a target that fails: exponential from `BACKOFF_BASE_MS`, capped, with jitter
 * so that several relays do not hammer an Alertmanager that comes back in lockstep.
 */

export const BACKOFF_BASE_MS = 250;

/** Delay before retry number `attempt` (1, 2, …): half fixed, half random, at most `maxMs`. */
export function backoffMs(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const full = Math.min(maxMs, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 30));
  return full / 2 + (random() * full) / 2;
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects: stopping is not an error). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
