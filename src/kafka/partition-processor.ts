/**
 * The work of one assigned partition: its Detector (series store + lifecycle) and the decode →
 * score step for each record. Records that cannot be used become dead letters, with the reason
 * and where they came from; the partition keeps moving.
 *
 * Per record: decode into a reused SampleBatch (compact records allocate nothing), then one
 * observe() per point with the record key's bytes as the series identity.
 */
import type { KafkaMessage, Message } from 'kafkajs';
import { Detector, Outcome } from '../core/detector.js';
import type { Rule } from '../core/rule.js';
import { SampleBatch, decodeSamplesInto } from '../codec/samples.js';
import { DecodeError } from '../codec/errors.js';
import { deadLetterHeaders } from '../codec/dead-letter.js';
import { parseSeriesId } from '../codec/series-id.js';

export interface PartitionOptions {
  readonly topic: string;
  readonly partition: number;
  readonly rules: readonly Rule[];
  readonly maxSeries: number;
  readonly initialCapacity: number;
  readonly idleTimeoutMs: number;
  readonly now: () => number;
}

/** Outcome counts since the last take, indexed by Outcome. */
export const OUTCOME_NAMES = ['scored', 'learning', 'no_rule', 'refused', 'rejected_value', 'bad_key'] as const;

export class PartitionProcessor {
  readonly detector: Detector;
  readonly outcomes = new Float64Array(OUTCOME_NAMES.length);
  deadLetters: Message[] = [];
  /** Largest sample time seen: the partition's clock for idle eviction. */
  private maxTs = -Infinity;
  private lastEviction = -Infinity;
  private readonly batch = new SampleBatch(64);
  private readonly encoder = new TextEncoder();

  constructor(private readonly o: PartitionOptions) {
    this.detector = new Detector({
      rules: o.rules,
      maxSeries: o.maxSeries,
      initialCapacity: o.initialCapacity,
      parseKey: parseSeriesId,
    });
  }

  /**
   * Decodes and scores one record. Never throws: a record that trips an unexpected error (a bug)
   * becomes a dead letter with reason `internal_error`, because a throw here would make kafkajs
   * retry the batch forever and wedge the partition.
   */
  process(m: KafkaMessage): void {
    try {
      this.processRecord(m);
    } catch (e) {
      this.deadLetter(m, 'internal_error', e instanceof Error ? (e.stack ?? e.message) : String(e));
    }
  }

  private processRecord(m: KafkaMessage): void {
    const batch = this.batch;
    try {
      decodeSamplesInto(m.key, m.value ?? EMPTY, batch);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.deadLetter(m, e.reason, e.message);
      return;
    }
    let key: Uint8Array;
    if (batch.derivedKey !== null && (m.key === null || m.key.length === 0)) key = this.encoder.encode(batch.derivedKey);
    else key = m.key!;
    const n = batch.count;
    const ts = batch.ts;
    for (let i = 0; i < n; i++) if (ts[i] > this.maxTs) this.maxTs = ts[i];
    const failed = this.detector.observePoints(key, 0, key.length, ts, batch.values, n, this.outcomes);
    if (failed === Outcome.BadKey) {
      this.deadLetter(m, 'bad_key', `record key is not a valid series id: ${this.detector.lastKeyError}`);
    } else if (failed === Outcome.RejectedValue) {
      this.deadLetter(m, 'value_out_of_range', 'a value is beyond ±1e150 (its square overflows the statistics)');
    }
  }

  /** Evicts idle series now and then (every tenth of the idle timeout of sample time). */
  housekeeping(): number {
    const idle = this.o.idleTimeoutMs;
    if (this.maxTs - this.lastEviction < idle / 10) return 0;
    this.lastEviction = this.maxTs;
    return this.detector.evictIdle(this.maxTs, idle);
  }

  takeDeadLetters(): Message[] {
    const out = this.deadLetters;
    if (out.length > 0) this.deadLetters = [];
    return out;
  }

  private deadLetter(m: KafkaMessage, reason: string, message: string): void {
    const headers: Record<string, string | Buffer> = {};
    for (const [k, v] of Object.entries(m.headers ?? {})) if (typeof v === 'string' || Buffer.isBuffer(v)) headers[k] = v;
    Object.assign(
      headers,
      deadLetterHeaders({ reason, message, topic: this.o.topic, partition: this.o.partition, offset: m.offset, timestamp: this.o.now() }),
    );
    let value = m.value;
    if (value !== null && value.length > MAX_DEAD_LETTER_VALUE) {
      // The copy plus our headers could exceed the broker's message.max.bytes, refused forever;
      // the whole record stays on the source topic at the offset the headers name.
      headers['sigmawatch-truncated'] = String(value.length);
      value = value.subarray(0, MAX_DEAD_LETTER_VALUE);
    }
    this.deadLetters.push({ key: m.key, value, headers });
  }
}

const EMPTY = Buffer.alloc(0);
/** Dead-letter copies keep at most this much of a value (the broker's default limit is 1 MiB). */
export const MAX_DEAD_LETTER_VALUE = 900 * 1024;
