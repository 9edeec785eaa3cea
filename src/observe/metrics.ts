/**
 * sigmawatch's Prometheus metrics: one prom-client `Registry` per `createMetrics()` call (never the
 * global default registry, so tests and several workers in one process each get their own), with
 * the default Node/process metrics and the `sigmawatch_*` families below.
 *
 * Hot path — how to record without costing a lookup per sample:
 * - Pre-bind label sets once, when the series/rule/partition is first seen or the worker starts:
 *   `const scored = metrics.samples.labels('scored')`. The bound child keeps its label object, so
 *   no object is built per call; prom-client still hashes the label values and validates them on
 *   every `inc`, which is why the next rule matters more.
 * - Count in local integers while a batch runs and add them once per batch:
 *   `scored.inc(nScored)`, never `inc()` per sample.
 * - Time a batch with one `observe()` per batch, not per record.
 * - When a partition is revoked, `remove()` its labelled children (`activeSeries`, `consumerLag`)
 *   so that stale series do not linger in the exposition.
 *
 * Label cardinality stays bounded: labels are outcomes, reasons, rule names, severities, topics and
 * partitions — never series ids.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
// The label vocabularies are the core's closed enums (pure constants: no layer is crossed backwards).
import { OUTCOME_NAMES } from '../core/outcome.js';

/** Status of a published alert event (`sigmawatch_alerts_total{status}`). */
export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Batch processing time: a small batch takes ~0.1 ms, a stalled one seconds. */
const BATCH_DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Sample timestamp → broker ack: milliseconds when keeping up, up to a minute when lagging. */
/** Firing to resolved: a flap takes minutes, an incident hours, a stuck alert days. */
const ALERT_DURATION_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400, 259_200, 604_800];

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface Metrics {
  /** The registry holding every metric below plus the default process metrics. */
  readonly registry: Registry;
  /** `sigmawatch_samples_total{outcome}`: samples handled, by outcome (see `OUTCOME_NAMES` in core/outcome.ts). */
  readonly samples: Counter<'outcome'>;
  /** `sigmawatch_records_total`: Kafka records consumed (one record may carry several samples). */
  readonly records: Counter;
  /** `sigmawatch_dead_letters_total{reason}`: records sent to the dead-letter topic. */
  readonly deadLetters: Counter<'reason'>;
  /** `sigmawatch_alerts_total{rule,severity,status}`: alert events published (acked by the broker). */
  readonly alerts: Counter<'rule' | 'severity' | 'status'>;
  /** `sigmawatch_transitions_total{rule,reason}`: lifecycle transitions (see `TRANSITION_NAMES` in core/lifecycle.ts). */
  readonly transitions: Counter<'rule' | 'reason'>;
  /** `sigmawatch_flaps_total{rule}`: alerts that resolved within the flap window after firing. */
  readonly flaps: Counter<'rule'>;
  /** `sigmawatch_alerts_firing{rule}`: alerts currently firing on this worker. */
  readonly alertsFiring: Gauge<'rule'>;
  /** `sigmawatch_active_series{partition}`: series held in memory, per assigned partition. */
  readonly activeSeries: Gauge<'partition'>;
  /** `sigmawatch_refused_series_total{partition}`: samples of new series refused because the worker held store.max_series series. */
  readonly refusedSeries: Counter<'partition'>;
  /** `sigmawatch_evicted_series_total`: idle series whose slots were recycled. */
  readonly evictedSeries: Counter;
  /** `sigmawatch_batch_duration_seconds`: time to process one consumed batch. */
  readonly batchDuration: Histogram;
  /**
   * `sigmawatch_sample_to_alert_latency_seconds`: wall time from a sample's timestamp to the broker
   * ack of the alert it caused. A sample stamped ahead of the worker's clock (producer clock skew)
   * is not observed here (a clamped 0 would read as instant alerts) but counted in `samplesAhead`.
   */
  readonly sampleToAlertLatency: Histogram;
  /** `sigmawatch_alert_samples_ahead_total`: alerts whose sample time was ahead of the worker's clock. */
  readonly samplesAhead: Counter;
  /** `sigmawatch_alert_duration_seconds{rule}`: sample time from firing to resolution, per resolved alert. */
  readonly alertDuration: Histogram<'rule'>;
  /** `sigmawatch_consumer_lag{topic,partition}`: high watermark minus next offset, in messages. */
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** `sigmawatch_rebalances_total`: consumer-group rebalances this worker went through. */
  readonly rebalances: Counter;
  /** `sigmawatch_assigned_partitions`: partitions currently assigned to this worker. */
  readonly assignedPartitions: Gauge;
}

/** A fresh registry with default process metrics and every sigmawatch metric registered in it. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const samples = new Counter({
    name: 'sigmawatch_samples_total',
    help: 'Metric samples handled, by outcome (scored, learning, no_rule, refused, rejected_value, bad_key).',
    labelNames: ['outcome'] as const,
    registers,
  });
  // Every outcome is exported from the start (at 0), so rate() and absent() see the series
  // before the first occurrence rather than a gap.
  for (const outcome of OUTCOME_NAMES) samples.inc({ outcome }, 0);

  const metrics: Metrics = {
    registry,
    samples,
    records: new Counter({
      name: 'sigmawatch_records_total',
      help: 'Kafka records consumed from the metrics topic.',
      registers,
    }),
    deadLetters: new Counter({
      name: 'sigmawatch_dead_letters_total',
      help: 'Records sent to the dead-letter topic, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    alerts: new Counter({
      name: 'sigmawatch_alerts_total',
      help: 'Alert events published and acknowledged by the broker, by rule, severity and status (firing, resolved).',
      labelNames: ['rule', 'severity', 'status'] as const,
      registers,
    }),
    transitions: new Counter({
      name: 'sigmawatch_transitions_total',
      help: 'Alert lifecycle transitions, by rule and reason (pending, held_back, fired, repeat, severity_changed, resolved, rearmed).',
      labelNames: ['rule', 'reason'] as const,
      registers,
    }),
    flaps: new Counter({
      name: 'sigmawatch_flaps_total',
      help: 'Alerts that resolved within the flap window after firing, by rule.',
      labelNames: ['rule'] as const,
      registers,
    }),
    alertsFiring: new Gauge({
      name: 'sigmawatch_alerts_firing',
      help: 'Alerts currently firing on this worker, by rule.',
      labelNames: ['rule'] as const,
      registers,
    }),
    activeSeries: new Gauge({
      name: 'sigmawatch_active_series',
      help: 'Series held in memory, by assigned partition.',
      labelNames: ['partition'] as const,
      registers,
    }),
    refusedSeries: new Counter({
      name: 'sigmawatch_refused_series_total',
      help: 'Samples of new series refused because the worker held store.max_series series (shared by its partitions), by partition.',
      labelNames: ['partition'],
      registers,
    }),
    evictedSeries: new Counter({
      name: 'sigmawatch_evicted_series_total',
      help: 'Idle series evicted from the series store (their slots recycled).',
      registers,
    }),
    batchDuration: new Histogram({
      name: 'sigmawatch_batch_duration_seconds',
      help: 'Time to process one consumed batch, from decode to offset commit.',
      buckets: BATCH_DURATION_BUCKETS,
      registers,
    }),
    sampleToAlertLatency: new Histogram({
      name: 'sigmawatch_sample_to_alert_latency_seconds',
      help: "Wall time from a sample's timestamp to the broker's acknowledgement of the alert it caused.",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    samplesAhead: new Counter({
      name: 'sigmawatch_alert_samples_ahead_total',
      help: "Alerts whose sample timestamp was ahead of the worker's clock (producer clock skew); left out of the latency histogram.",
      registers,
    }),
    alertDuration: new Histogram({
      name: 'sigmawatch_alert_duration_seconds',
      help: 'Sample time from an alert firing to its resolution, by rule (short ones are flaps).',
      labelNames: ['rule'] as const,
      buckets: ALERT_DURATION_BUCKETS,
      registers,
    }),
    consumerLag: new Gauge({
      name: 'sigmawatch_consumer_lag',
      help: 'Consumer lag in messages (high watermark minus next offset), by topic and partition.',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
    rebalances: new Counter({
      name: 'sigmawatch_rebalances_total',
      help: 'Consumer-group rebalances this worker went through.',
      registers,
    }),
    assignedPartitions: new Gauge({
      name: 'sigmawatch_assigned_partitions',
      help: 'Partitions of the metrics topic currently assigned to this worker.',
      registers,
    }),
  };
  return metrics;
}
