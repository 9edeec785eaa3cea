/**
 * The relay's Prometheus metrics: their own prom-client `Registry` per `createRelayMetrics()` (never
 * the global one, so tests and several relays in one process stay apart), with the default
 * process metrics, as `observe/metrics.ts` does for the worker.
 *
 * `target` is an Alertmanager URL from `relay.alertmanagers`: a handful per deployment. Every
 * target's series exist from the start (at 0), so `rate()` and alerts on them see no gap.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export interface RelayMetrics {
  readonly registry: Registry;
  /** `sigmawatch_relay_alerts_sent_total{target}`: alerts an Alertmanager accepted (2xx). */
  readonly sent: Counter<'target'>;
  /** `sigmawatch_relay_send_failures_total{target}`: requests that failed (network, timeout, non-2xx). */
  readonly sendFailures: Counter<'target'>;
  /** `sigmawatch_relay_queue_dropped_total{target}`: queued alerts dropped, oldest first, because the queue was full. */
  readonly queueDropped: Counter<'target'>;
  /** `sigmawatch_relay_queue_length{target}`: alerts waiting to be sent. */
  readonly queueLength: Gauge<'target'>;
  /** `sigmawatch_relay_firing_alerts`: firing alerts held (re-sent every interval). */
  readonly firing: Gauge;
  /** `sigmawatch_relay_resolved_alerts`: resolved alerts still being re-sent. */
  readonly resolved: Gauge;
  /** `sigmawatch_relay_events_total{status}`: alert events read from the topic. */
  readonly events: Counter<'status'>;
  /** `sigmawatch_relay_bad_events_total`: records of the alerts topic that are not alert events (skipped). */
  readonly badEvents: Counter;
  /** `sigmawatch_relay_firing_timeouts_total`: firing alerts dropped by relay.firing_timeout. */
  readonly firingTimeouts: Counter;
}

export function createRelayMetrics(targets: readonly string[]): RelayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const perTarget = <T extends Counter<'target'> | Gauge<'target'>>(metric: T): T => {
    for (const target of targets) metric.labels(target).inc(0);
    return metric;
  };
  const events = new Counter({
    name: 'sigmawatch_relay_events_total',
    help: 'Alert events read from the alerts topic, by status.',
    labelNames: ['status'] as const,
    registers,
  });
  for (const status of ['firing', 'resolved']) events.labels(status).inc(0);
  return {
    registry,
    events,
    sent: perTarget(
      new Counter({
        name: 'sigmawatch_relay_alerts_sent_total',
        help: 'Alerts accepted by an Alertmanager (2xx), by target URL.',
        labelNames: ['target'] as const,
        registers,
      }),
    ),
    sendFailures: perTarget(
      new Counter({
        name: 'sigmawatch_relay_send_failures_total',
        help: 'Requests to an Alertmanager that failed (network error, timeout, non-2xx), by target URL.',
        labelNames: ['target'] as const,
        registers,
      }),
    ),
    queueDropped: perTarget(
      new Counter({
        name: 'sigmawatch_relay_queue_dropped_total',
        help: 'Queued alerts dropped (oldest first) because the queue of a target was full.',
        labelNames: ['target'] as const,
        registers,
      }),
    ),
    queueLength: perTarget(
      new Gauge({
        name: 'sigmawatch_relay_queue_length',
        help: 'Alerts waiting to be sent, by target URL.',
        labelNames: ['target'] as const,
        registers,
      }),
    ),
    firing: new Gauge({
      name: 'sigmawatch_relay_firing_alerts',
      help: 'Firing alerts held by the relay (re-sent every relay.resend_interval).',
      registers,
    }),
    resolved: new Gauge({
      name: 'sigmawatch_relay_resolved_alerts',
      help: 'Resolved alerts the relay still re-sends (for relay.resolved_retention).',
      registers,
    }),
    badEvents: new Counter({
      name: 'sigmawatch_relay_bad_events_total',
      help: 'Records of the alerts topic that are not valid alert events (skipped).',
      registers,
    }),
    firingTimeouts: new Counter({
      name: 'sigmawatch_relay_firing_timeouts_total',
      help: 'Firing alerts dropped because no event came for relay.firing_timeout.',
      registers,
    }),
  };
}
