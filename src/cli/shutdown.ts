/**
 * How the long-running commands (`run`, `relay`) stop: on the first SIGTERM or SIGINT, within
 * `shutdown.deadline`.
 */
import type { Logger } from '../observe/logger.js';

/**
 * Resolves on the first SIGTERM or SIGINT. Later SIGTERMs are ignored (an orchestrator or a
 * wrapper may repeat it while we drain); a second Ctrl-C means "now" and exits at once.
 */
export function onStopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handle = (signal: NodeJS.Signals): void => {
      if (!received) {
        received = true;
        resolve(signal);
      } else if (signal === 'SIGINT') {
        logger.warn('second interrupt: exiting without finishing the shutdown');
        process.exit(130);
      }
    };
    process.on('SIGTERM', handle);
    process.on('SIGINT', handle);
  });
}

/**
 * Stops with `stop` within `deadlineMs`: 0 when it finished (1 if `crashed`), 1 when the deadline
 * passed first (logged), so the supervisor sees that the drain was cut short.
 */
export async function stopWithin(stop: () => Promise<void>, deadlineMs: number, logger: Logger, crashed: boolean): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
  try {
    if ((await Promise.race([stop().then(() => 'stopped' as const), deadline])) === 'deadline') {
      logger.error({ deadlineMs }, 'shutdown did not finish within the deadline; exiting anyway');
      return 1;
    }
  } finally {
    clearTimeout(timer);
  }
  logger.info('bye');
  return crashed ? 1 : 0;
}

/** How a start-up step ended: done, interrupted by a stop signal, or out of time. */
export type StartOutcome =
  | { readonly kind: 'started' }
  | { readonly kind: 'signal'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'timeout' };

/**
 * Waits for a start-up step (connecting, joining) until it is done, a stop signal comes or
 * `timeoutMs` passes — so SIGTERM is honoured at once and an unreachable cluster fails in bounded
 * time instead of after the client's own retries. A step that fails rejects; a step that was
 * abandoned may still fail later, which is ignored (the caller is stopping).
 */
export async function startWithin(
  step: Promise<unknown>,
  stopRequested: Promise<NodeJS.Signals>,
  timeoutMs: number,
): Promise<StartOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StartOutcome>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs)));
  try {
    return await Promise.race([
      step.then((): StartOutcome => ({ kind: 'started' })),
      stopRequested.then((signal): StartOutcome => ({ kind: 'signal', signal })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    step.catch(() => undefined);
  }
}

export interface Supervised {
  /** Connects and joins; the service then runs until stopped. */
  readonly start: Promise<void>;
  /** Everything the process started, in order (idempotent steps: it may follow a failed start). */
  readonly stop: () => Promise<void>;
  readonly stopRequested: Promise<NodeJS.Signals>;
  /** Resolves when the service died and will not recover. */
  readonly crashed: Promise<'crash'>;
  readonly brokers: readonly string[];
  readonly connectTimeoutMs: number;
  readonly deadlineMs: number;
  readonly logger: Logger;
}

/**
 * A long-running command from start to exit code: start within the connect timeout (exit 1 with
 * one fatal line naming the brokers when it runs out; exit 0 on a signal meanwhile), then run until
 * a stop signal (exit 0) or a crash (exit 1), stopping within the shutdown deadline.
 */
export async function superviseUntilStopped(s: Supervised): Promise<number> {
  let started: StartOutcome;
  try {
    started = await startWithin(s.start, s.stopRequested, s.connectTimeoutMs);
  } catch (e) {
    // Nothing of a half-started service may keep the process alive.
    await stopWithin(s.stop, s.deadlineMs, s.logger, true);
    throw e;
  }
  if (started.kind === 'timeout') {
    s.logger.fatal(
      { brokers: s.brokers, connectTimeoutMs: s.connectTimeoutMs },
      `could not start within kafka.connect_timeout (${s.connectTimeoutMs} ms): are the brokers ${s.brokers.join(', ')} reachable? (the kafkajs lines above say what failed)`,
    );
    await stopWithin(s.stop, s.deadlineMs, s.logger, true);
    return 1;
  }
  const signal = started.kind === 'signal' ? started.signal : await Promise.race([s.stopRequested, s.crashed]);
  s.logger.info({ signal, deadlineMs: s.deadlineMs }, 'shutting down');
  return stopWithin(s.stop, s.deadlineMs, s.logger, signal === 'crash');
}
