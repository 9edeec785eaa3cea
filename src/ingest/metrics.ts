/**
 * The ingest stage's Prometheus metrics, on their own registry (as the worker's and the relay's),
 * with the default process metrics. Labels are formats, reasons, topics and partitions — never
 * series ids. Every format's and reason's series exist from the start (at 0).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DEAD_LETTER_REASONS } from '../codec/dead-letter.js';
import { FORMAT_LABELS, type TranslatedBatch } from './translator.js';
import type { IngestDecoder } from './format.js';

export interface IngestMetrics {
  readonly registry: Registry;
  /** `sigmawatch_ingest_records_total{format, outcome}`: input records, decoded or dead-lettered. */
  readonly records: Counter<'format' | 'outcome'>;
  /** `sigmawatch_ingest_samples_total{format}`: samples decoded from accepted input records. */
  readonly samples: Counter<'format'>;
  /** `sigmawatch_ingest_skipped_samples_total{format, reason}`: samples a decoder left out on purpose. */
  readonly skipped: Counter<'format' | 'reason'>;
  /** `sigmawatch_ingest_output_records_total`: keyed records produced to the metrics topic. */
  readonly outputRecords: Counter;
  /** `sigmawatch_ingest_output_samples_total`: samples in them. */
  readonly outputSamples: Counter;
  /** `sigmawatch_ingest_dead_letters_total{reason}`: input records sent to the dead-letter topic. */
  readonly deadLetters: Counter<'reason'>;
  /** `sigmawatch_ingest_batch_duration_seconds`: one input batch, from decode to offset commit. */
  readonly batchDuration: Histogram;
  /** `sigmawatch_ingest_consumer_lag{topic, partition}`: records behind the end of the partition after a batch. */
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** `sigmawatch_ingest_assigned_partitions`: input partitions held by this stage. */
  readonly assignedPartitions: Gauge;
  /** `sigmawatch_ingest_rebalances_total`. */
  readonly rebalances: Counter;
}

const BATCH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createIngestMetrics(): IngestMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const records = new Counter({
    name: 'sigmawatch_ingest_records_total',
    help: 'Input records, by format (unknown = an auto topic record no format fits) and outcome (decoded, dead_letter).',
    labelNames: ['format', 'outcome'] as const,
    registers,
  });
  const samples = new Counter({
    name: 'sigmawatch_ingest_samples_total',
    help: 'Samples decoded from accepted input records, by format.',
    labelNames: ['format'] as const,
    registers,
  });
  for (const format of FORMAT_LABELS) {
    for (const outcome of ['decoded', 'dead_letter']) records.labels(format, outcome).inc(0);
    samples.labels(format).inc(0);
  }
  const deadLetters = new Counter({
    name: 'sigmawatch_ingest_dead_letters_total',
    help: 'Input records sent to the dead-letter topic, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  for (const reason of DEAD_LETTER_REASONS) deadLetters.labels(reason).inc(0);
  return {
    registry,
    records,
    samples,
    deadLetters,
    skipped: new Counter({
      name: 'sigmawatch_ingest_skipped_samples_total',
      help: 'Samples a decoder left out on purpose (staleness markers, string fields, first points of counters, ...), by format and reason.',
      labelNames: ['format', 'reason'] as const,
      registers,
    }),
    outputRecords: new Counter({
      name: 'sigmawatch_ingest_output_records_total',
      help: 'Keyed records produced to the metrics topic (acknowledged by the broker).',
      registers,
    }),
    outputSamples: new Counter({ name: 'sigmawatch_ingest_output_samples_total', help: 'Samples in the records produced.', registers }),
    batchDuration: new Histogram({
      name: 'sigmawatch_ingest_batch_duration_seconds',
      help: 'Time to handle one input batch, from decode to offset commit.',
      buckets: BATCH_BUCKETS,
      registers,
    }),
    consumerLag: new Gauge({
      name: 'sigmawatch_ingest_consumer_lag',
      help: 'Records behind the end of the input partition after the last batch.',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
    assignedPartitions: new Gauge({ name: 'sigmawatch_ingest_assigned_partitions', help: 'Input partitions held.', registers }),
    rebalances: new Counter({ name: 'sigmawatch_ingest_rebalances_total', help: 'Consumer-group rebalances.', registers }),
  };
}

/** A batch whose output the broker acknowledged, into the counters. */
export function recordIngestBatch(m: IngestMetrics, b: TranslatedBatch): void {
  for (let f = 0; f < FORMAT_LABELS.length; f++) {
    const format = FORMAT_LABELS[f]!;
    if (b.recordsIn[f]! > 0) m.records.labels(format, 'decoded').inc(b.recordsIn[f]);
    if (b.recordsDead[f]! > 0) m.records.labels(format, 'dead_letter').inc(b.recordsDead[f]);
    if (b.samplesIn[f]! > 0) m.samples.labels(format).inc(b.samplesIn[f]);
  }
  for (let r = 0; r < DEAD_LETTER_REASONS.length; r++)
    if (b.deadByReason[r]! > 0) m.deadLetters.labels(DEAD_LETTER_REASONS[r]!).inc(b.deadByReason[r]);
  if (b.records.length > 0) m.outputRecords.inc(b.records.length);
  if (b.samplesOut > 0) m.outputSamples.inc(b.samplesOut);
}

/**
 * Skip counts of decoders that keep them (`skipped`, a map reason → running count): the increase
 * since the last call goes into the counter. `seen` holds the last counts, per decoder.
 */
export function recordSkips(m: IngestMetrics, decoders: Iterable<IngestDecoder>, seen: Map<IngestDecoder, Record<string, number>>): void {
  for (const d of decoders) {
    const counts = (d as { skipped?: Readonly<Record<string, number>> }).skipped;
    if (counts === undefined) continue;
    let last = seen.get(d);
    if (last === undefined) {
      last = {};
      seen.set(d, last);
    }
    for (const [reason, n] of Object.entries(counts)) {
      const delta = n - (last[reason] ?? 0);
      if (delta > 0) m.skipped.labels(d.format, reason).inc(delta);
      last[reason] = n;
    }
  }
}
