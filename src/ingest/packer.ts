/**
 * Where the decoders of one input batch put their samples (the `SampleSink`), and how those
 * samples leave: grouped by series, in arrival order, packed into compact multi-point records
 * `[[ts, v], …]` keyed by the canonical series id (README, "Wire formats"). One record per series
 * and batch (split at `maxPoints`): the worker pays its per-record cost once per burst of a series.
 *
 * A decoder may push some samples of a record and then throw (the record is bad further on). A
 * record is all or nothing, so samples are staged per record and only `accept()` makes them part of
 * the batch; `reject()` forgets them. The staging arrays are reused: no allocation per sample.
 */
import { encodeCompact, encodeCompactPoints } from '../codec/sample-encoders.js';
import type { SampleSink } from './format.js';

/** One output record: key = series id, value = compact msgpack, `points` of them. */
export interface PackedRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly points: number;
}

/** The accepted points of one series in this batch, in arrival order. */
interface SeriesPoints {
  readonly ts: number[];
  readonly values: number[];
}

export class SeriesPacker implements SampleSink {
  readonly #maxPoints: number;
  /** Samples of the record being decoded: entries [0, #staged) are live. */
  #stagedSeries: string[] = [];
  #stagedTs: number[] = [];
  #stagedValues: number[] = [];
  #staged = 0;
  /** Accepted samples of the batch; Map iteration order = the order series first appeared. */
  #series = new Map<string, SeriesPoints>();
  #points = 0;

  constructor(maxPointsPerRecord: number) {
    if (!Number.isInteger(maxPointsPerRecord) || maxPointsPerRecord < 1)
      throw new RangeError(`maxPointsPerRecord must be an integer ≥ 1, got ${String(maxPointsPerRecord)}`);
    this.#maxPoints = maxPointsPerRecord;
  }

  push(series: string, timestampMs: number, value: number): void {
    const i = this.#staged++;
    this.#stagedSeries[i] = series;
    this.#stagedTs[i] = timestampMs;
    this.#stagedValues[i] = value;
  }

  /** The record decoded: its staged samples join the batch. Returns how many. */
  accept(): number {
    const n = this.#staged;
    for (let i = 0; i < n; i++) {
      const id = this.#stagedSeries[i]!;
      let s = this.#series.get(id);
      if (s === undefined) {
        s = { ts: [], values: [] };
        this.#series.set(id, s);
      }
      s.ts.push(this.#stagedTs[i]!);
      s.values.push(this.#stagedValues[i]!);
    }
    this.#points += n;
    this.#staged = 0;
    return n;
  }

  /** The record failed: its staged samples are dropped (it goes to the dead-letter topic whole). */
  reject(): void {
    this.#staged = 0;
  }

  /** Accepted samples not yet drained. */
  get points(): number {
    return this.#points;
  }

  /** The batch's records, one series after another (each series' points in order), and a fresh start. */
  drain(): PackedRecord[] {
    const out: PackedRecord[] = [];
    const max = this.#maxPoints;
    for (const [key, { ts, values }] of this.#series) {
      const n = ts.length;
      if (n === 1) {
        out.push({ key, value: encodeCompact(ts[0]!, values[0]!), points: 1 });
        continue;
      }
      for (let from = 0; from < n; from += max) {
        const to = Math.min(n, from + max);
        const value = to - from === n ? encodeCompactPoints(ts, values) : encodeCompactPoints(ts.slice(from, to), values.slice(from, to));
        out.push({ key, value, points: to - from });
      }
    }
    this.#series = new Map();
    this.#points = 0;
    this.#staged = 0;
    // Drop references to series ids of this batch (the staging arrays keep their length).
    this.#stagedSeries.fill('');
    return out;
  }
}
