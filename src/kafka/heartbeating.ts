/**
 * A consumer-group member's output step (a publish, a transaction) with heartbeats all the while:
 * a topic or broker that is away for longer than the session timeout must not get the member
 * expelled, with its commit refused afterwards. Readiness reports the wait (WorkerHealth's
 * publish timeout). Shared by the worker and the ingest stage.
 */
import type { Logger } from 'pino';
import type { WorkerHealth } from './health.js';
import { isRebalanceError } from './rebalance-errors.js';

export async function whileHeartbeating<T>(
  work: () => Promise<T>,
  heartbeat: () => Promise<void>,
  options: { readonly intervalMs: number; readonly probes: WorkerHealth; readonly log: Logger },
): Promise<T> {
  options.probes.publishStarted();
  let beating: Promise<void> = Promise.resolve();
  const beat = setInterval(() => {
    // One heartbeat at a time; a refused one (the group is rebalancing) is the commit's to handle.
    beating = beating.then(() =>
      heartbeat().catch((e: unknown) => {
        if (!isRebalanceError(e)) options.log.warn({ err: e }, 'heartbeat while publishing failed');
      }),
    );
  }, options.intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(beat);
    await beating;
    options.probes.publishFinished();
  }
}
