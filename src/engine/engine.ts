/**
 * The engine: records of one partition in, alert events, dead letters and counts out. The one
 * path every driver feeds — the Kafka worker, replay, rule tests and the benchmarks — so decoding,
 * validation, series admission, scoring, the alert lifecycle, idle eviction and event building
 * happen in one place, in one order. See docs/architecture.md for the flow of one record.
 *
 * A batch is `begin(now)`, `process(record)` for each record, then `finish()`, which returns the
 * engine's reused BatchResult. Per record: decode into a reused SampleBatch (compact records
 * allocate nothing), find the series' slot by its key bytes (a new series is parsed and matched to
 * its rule once), then observe every point. A record that cannot be used becomes a dead letter
 * with its reason; `process` never throws, because a throw would make the consumer retry the batch
 * forever and wedge the partition.
 */
import { Detector, NO_SLOT } from '../core/detector.js';
import type { SeriesBudget } from '../core/series-budget.js';
import { Outcome } from '../core/outcome.js';
import { isResolution } from '../core/alert-queue.js';
import type { Rule } from '../core/rule.js';
import { SampleBatch, decodeSamplesInto } from '../codec/samples.js';
import { DecodeError } from '../codec/errors.js';
import { formatSeriesId, seriesIdentityOf } from '../codec/series-id.js';
import { Snapshot, SnapshotReader } from '../core/snapshot.js';
import { AlertEventBuilder } from '../codec/alert-event-builder.js';
import {
  DEAD_LETTER_REASON_INDEX,
  deadLetterOf,
  type DeadLetter,
  type DeadLetterReason,
  type DeadLetterSource,
} from '../codec/dead-letter.js';
import type { SourceRecord } from '../codec/source-record.js';
import { BatchResult } from './batch-result.js';

export interface EngineOptions {
  readonly rules: readonly Rule[];
  /** Bound on live series (this engine's store). */
  readonly maxSeries: number;
  /** A bound on live series shared with the worker's other engines (store.max_series per worker). */
  readonly seriesBudget?: SeriesBudget;
  readonly initialCapacity?: number;
  /** Series without a sample for this long (sample time) are evicted; Infinity = never. */
  readonly idleTimeoutMs: number;
  /**
   * Look for idle series at most this often, in sample time: the scan is O(series). Default: a
   * tenth of the idle timeout. 0 = at every finish() (rule tests, which step a clock).
   */
  readonly evictEveryMs?: number;
  /** A resolution this soon after firing counts as a flap. */
  readonly flapWindowMs: number;
  /** Where records come from, for the dead-letter headers. */
  readonly source: DeadLetterSource;
}

const EMPTY = Buffer.alloc(0);

export class Engine {
  readonly detector: Detector;
  private readonly result: BatchResult;
  private readonly builder: AlertEventBuilder;
  private readonly points = new SampleBatch(64);
  private readonly encoder = new TextEncoder();
  private readonly evictEveryMs: number;
  /** The partition's clock: the largest sample time seen (or stepped to). */
  private clock = -Infinity;
  /** The smallest sample time seen: with the clock, the span the engine has watched. */
  private earliest = Infinity;
  private lastEviction = -Infinity;
  /** Wall clock of the current batch (dead letters' failed-at). */
  private now = 0;
  /** The slot of the last record's series (NO_SLOT when it had none): read by lastSlot. */
  private last = NO_SLOT;

  constructor(private readonly options: EngineOptions) {
    this.detector = new Detector({
      rules: options.rules,
      maxSeries: options.maxSeries,
      initialCapacity: options.initialCapacity,
      seriesBudget: options.seriesBudget,
      formatSeriesId,
    });
    this.result = new BatchResult(options.rules.length);
    this.builder = new AlertEventBuilder(options.rules);
    this.evictEveryMs = options.evictEveryMs ?? options.idleTimeoutMs / 10;
  }

  /** Starts a batch: clears the result. `now` is the wall clock (Unix ms), for dead letters. */
  begin(now: number): void {
    this.now = now;
    this.result.reset();
  }

  /**
   * Decodes and scores one record. Returns its dead letter when it became one (also queued in the
   * result), else undefined. Never throws (see the file comment).
   */
  process(record: SourceRecord): DeadLetter | undefined {
    const r = this.result;
    r.records++;
    r.lastOffset = record.offset;
    const deadBefore = r.deadLetters.length;
    this.last = NO_SLOT;
    try {
      this.processRecord(record);
    } catch (e) {
      this.deadLetter(record, 'internal_error', e instanceof Error ? (e.stack ?? e.message) : String(e));
    }
    return r.deadLetters.length > deadBefore ? r.deadLetters[deadBefore] : undefined;
  }

  /** Moves the partition's clock to `ts` (sample time) if it is behind: time passes without samples. */
  advanceClock(ts: number): void {
    if (ts > this.clock) this.clock = ts;
  }

  /**
   * Ends the batch: evicts idle series when due, builds the alert events, and returns the result
   * (valid until the next begin()). With `emit` false the state moves on but the result holds no
   * alert event and no dead letter: a replay, after a restore, of records whose output the
   * partition's previous owner already sent.
   */
  finish(emit = true): BatchResult {
    const r = this.result;
    const idle = this.options.idleTimeoutMs;
    if (idle < Infinity && !(this.clock - this.lastEviction < this.evictEveryMs)) {
      this.lastEviction = this.clock;
      r.evicted += this.detector.evictIdle(this.clock, idle);
    }
    // SLO groups are evaluated over the batch's samples here, not per sample: a group's error and
    // total series arrive one after the other (core/slo.ts).
    this.detector.flushSlo();
    const q = this.detector.alerts;
    for (let i = 0; emit && i < q.count; i++) {
      const rule = q.rule[i];
      const flap = isResolution(q.reason[i]) && q.ts[i] - q.firedAt[i] < this.options.flapWindowMs;
      if (flap) r.flaps[rule]++;
      r.alerts.push({ event: this.builder.build(q, i), rule, firedAt: q.firedAt[i], flap });
    }
    q.clear();
    if (!emit) r.deadLetters.length = 0;
    const t = this.detector.transitions;
    for (let i = 0; i < t.length; i++) r.transitions[i] += t[i];
    t.fill(0);
    return r;
  }

  /**
   * One sample of the series keyed `key`, without a record around it (the core benchmark's path:
   * the key lookup, scoring and the lifecycle). A malformed key counts as BadKey.
   */
  observe(key: Uint8Array, ts: number, value: number): Outcome {
    const slot = this.slotOf(key);
    let outcome: Outcome;
    if (slot < 0) {
      outcome = slot === NO_SLOT ? Outcome.Refused : Outcome.BadKey;
    } else {
      if (ts > this.clock) this.clock = ts;
      if (ts < this.earliest) this.earliest = ts;
      outcome = this.detector.observeSlot(slot, ts, value);
    }
    this.result.outcomes[outcome]++;
    return outcome;
  }

  /**
   * Everything the partition's detection depends on, as bytes (core/snapshot.ts), after `room`
   * free bytes for an envelope (engine/checkpoint.ts): the detector's state and the partition's
   * clock. Between batches only (after finish()).
   */
  snapshot(room = 0): Uint8Array {
    const s = new Snapshot('Engine', 1);
    s.add('engine.clock', Float64Array.of(this.clock, this.earliest, this.lastEviction));
    this.detector.writeSnapshot(s);
    return s.toBytes(room);
  }

  /**
   * Loads a snapshot() into this engine, which must be new and built from the same rules; series
   * identities are parsed again from the keys. Throws when the bytes do not fit.
   */
  restore(bytes: Uint8Array): void {
    const r = new SnapshotReader(bytes, 'Engine', 1);
    const clock = r.f64('engine.clock');
    this.detector.readSnapshot(r, seriesIdentityOf);
    this.clock = clock[0];
    this.earliest = clock[1];
    this.lastEviction = clock[2];
  }

  /** Sample time from the earliest sample to the latest (ms); 0 before two distinct times. */
  get spanMs(): number {
    return this.clock > this.earliest ? this.clock - this.earliest : 0;
  }

  /**
   * The slot of the series of the last record process()ed, NO_SLOT when it had none (undecodable,
   * bad key, store full). With lastBaseline, what a driver that draws the band reads after each
   * record (replay --report); neither is read on the hot path.
   */
  get lastSlot(): number {
    return this.last;
  }

  /**
   * The baseline the detector scored the last observed sample against, as it used it: [samples,
   * mean, variance, season role] (the daily profile's where it explains the series, else the long
   * memory or the window). A view of the detector's scratch array: valid until the next sample,
   * undefined in meaning when that sample had no rule or was rejected. Read, never written.
   */
  get lastBaseline(): Readonly<Float64Array> {
    return this.detector.lastBaseline;
  }

  /** Live series. */
  get seriesCount(): number {
    return this.detector.store.size;
  }

  /** The engine is being dropped (its partition left this worker): its series leave the shared budget. */
  release(): void {
    this.detector.store.releaseBudget();
  }

  private processRecord(record: SourceRecord): void {
    const points = this.points;
    try {
      decodeSamplesInto(record.key, record.value ?? EMPTY, points);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.deadLetter(record, e.reason, e.message);
      return;
    }
    const key =
      points.derivedKey !== null && (record.key === null || record.key.length === 0) ? this.encoder.encode(points.derivedKey) : record.key!;
    const n = points.count;
    const outcomes = this.result.outcomes;
    const slot = this.slotOf(key, record);
    this.last = slot < 0 ? NO_SLOT : slot;
    if (slot < 0) {
      outcomes[slot === NO_SLOT ? Outcome.Refused : Outcome.BadKey] += n;
      return;
    }
    const ts = points.ts;
    const values = points.values;
    for (let i = 0; i < n; i++) {
      if (ts[i] > this.clock) this.clock = ts[i];
      if (ts[i] < this.earliest) this.earliest = ts[i];
      const outcome = this.detector.observeSlot(slot, ts[i], values[i]);
      outcomes[outcome]++;
      if (outcome === Outcome.RejectedValue) {
        this.deadLetter(record, 'value_out_of_range', 'a value is beyond ±1e150 (its square overflows the statistics)');
        return;
      }
    }
  }

  /**
   * The slot of the series keyed `key`, admitting it when new: NO_SLOT when the store is full,
   * BAD_KEY when the key is no valid series id (then, with a record, it becomes a dead letter).
   */
  private slotOf(key: Uint8Array, record?: SourceRecord): number {
    const found = this.detector.find(key, 0, key.length);
    if (found !== NO_SLOT) return found;
    let identity;
    try {
      identity = seriesIdentityOf(key);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      if (record !== undefined) this.deadLetter(record, 'bad_key', `record key is not a valid series id: ${e.message}`);
      return BAD_KEY;
    }
    return this.detector.admit(key, 0, key.length, identity);
  }

  private deadLetter(record: SourceRecord, reason: DeadLetterReason, message: string): void {
    const r = this.result;
    r.deadLetterCounts[DEAD_LETTER_REASON_INDEX[reason]]++;
    r.deadLetters.push(deadLetterOf(record, reason, message, this.options.source, this.now));
  }
}

/** slotOf's answer for a malformed key (NO_SLOT is a full store). */
const BAD_KEY = -2;
