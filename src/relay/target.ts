/**
 * One Alertmanager: its own bounded queue and one sending loop, so that an Alertmanager that is
 * down delays nothing for the others. The loop sends batches of at most `batchSize` alerts, one
 * request at a time (Alertmanager applies the alerts of a request in order, and so must the
 * requests be: a resolution must not overtake the firing copy queued before it). A failed batch
 * goes back to the front of the queue and is retried after a backoff; the queue drops its oldest
 * alerts when full. Nothing here throws: an outage is counted and logged, never fatal.
 */
import type { Logger } from 'pino';
import { toWire, type AmAlert } from './am-alert.js';
import { backoffMs, sleep } from './backoff.js';
import { alertsEndpoint, postAlerts, type PostResult } from './client.js';
import type { RelayMetrics } from './metrics.js';
import { BoundedQueue } from './queue.js';

export interface TargetOptions {
  /** The Alertmanager's base URL, as configured (also the metrics' `target` label). */
  readonly url: string;
  readonly batchSize: number;
  readonly queueCapacity: number;
  readonly timeoutMs: number;
  /** A firing alert is sent with endsAt = send time + this (4 × the resend interval). */
  readonly firingForMs: number;
  /** Longest wait between retries; a newer copy of the state is queued every resend interval anyway. */
  readonly maxBackoffMs: number;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Failures in a row logged at warn: the first, then every this many (an outage is not a log flood). */
const LOG_EVERY = 10;

export class Target {
  private readonly queue: BoundedQueue<AmAlert>;
  private readonly endpoint: string;
  private readonly stopper = new AbortController();
  private readonly now: () => number;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly options: TargetOptions) {
    this.queue = new BoundedQueue(options.queueCapacity);
    this.endpoint = alertsEndpoint(options.url);
    this.now = options.now ?? Date.now;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Queues alerts to send (oldest dropped beyond capacity). */
  enqueue(alerts: readonly AmAlert[]): void {
    if (alerts.length === 0 || this.stopper.signal.aborted) return;
    this.dropped(this.queue.push(alerts));
    this.wake?.();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops at once: an in-flight request is aborted, queued alerts are let go (a restarted relay rebuilds and re-sends them). */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const stop = this.stopper.signal;
    while (!stop.aborted) {
      if (this.queue.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const batch = this.queue.take(this.options.batchSize);
      this.options.metrics.queueLength.labels(this.options.url).set(this.queue.length);
      const now = this.now();
      const result = await postAlerts(
        this.endpoint,
        batch.map((a) => toWire(a, now, this.options.firingForMs)),
        this.options.timeoutMs,
        stop,
      );
      if (stop.aborted) return;
      if (result.ok) this.delivered(batch.length);
      else await this.failed(batch, result);
    }
  }

  private delivered(n: number): void {
    this.options.metrics.sent.labels(this.options.url).inc(n);
    if (this.failures > 0)
      this.options.logger.info({ target: this.options.url, failedAttempts: this.failures }, 'Alertmanager reachable again');
    this.failures = 0;
  }

  private async failed(batch: AmAlert[], result: Extract<PostResult, { ok: false }>): Promise<void> {
    const { url, logger, metrics } = this.options;
    metrics.sendFailures.labels(url).inc();
    if (!result.retry) {
      // Alertmanager refused these alerts; the same request would be refused again.
      logger.error({ target: url, alerts: batch.length, error: result.error }, 'Alertmanager refused alerts; dropped them');
      return;
    }
    this.failures++;
    if (this.failures % LOG_EVERY === 1)
      logger.warn(
        { target: url, error: result.error, failedAttempts: this.failures, queued: this.queue.length + batch.length },
        'cannot reach Alertmanager; retrying',
      );
    this.dropped(this.queue.unshift(batch));
    await sleep(backoffMs(this.failures, this.options.maxBackoffMs), this.stopper.signal);
  }

  private dropped(n: number): void {
    const { url, metrics } = this.options;
    if (n > 0) metrics.queueDropped.labels(url).inc(n);
    metrics.queueLength.labels(url).set(this.queue.length);
  }
}
