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
import { MsgpackWriter } from '../codec/msgpack-writer.js';
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

  /**
   * The batch's records, one series after another (each series' points in order), and a fresh
   * start. Every record is written into one buffer sized for the worst case (19 bytes a point, 5 a
   * record header) and handed out as a slice of it: one allocation per batch, not per record.
   */
  drain(): PackedRecord[] {
    const max = this.#maxPoints;
    const headers = this.#series.size + Math.ceil(this.#points / max);
    const w = new MsgpackWriter(this.#points * 19 + headers * 5 + 16);
    const spans: Array<{ key: string; end: number; points: number }> = [];
    let end = 0;
    for (const [key, { ts, values }] of this.#series) {
      const n = ts.length;
      if (n === 1) {
        w.arrayHeader(2).intOrFloat(ts[0]!).float64(values[0]!);
        end += pointBytes(ts[0]!);
        spans.push({ key, end, points: 1 });
        continue;
      }
      for (let from = 0; from < n; from += max) {
        const to = Math.min(n, from + max);
        w.arrayHeader(to - from);
        end += arrayHeaderBytes(to - from);
        for (let i = from; i < to; i++) {
          w.arrayHeader(2).intOrFloat(ts[i]!).float64(values[i]!);
          end += pointBytes(ts[i]!);
        }
        spans.push({ key, end, points: to - from });
      }
    }
    const bytes = w.finish();
    if (bytes.length !== end) throw new Error(`SeriesPacker: wrote ${bytes.length} bytes, expected ${end}`);
    const out: PackedRecord[] = new Array(spans.length);
    let start = 0;
    for (let i = 0; i < spans.length; i++) {
      const { key, end: e, points } = spans[i]!;
      out[i] = { key, value: bytes.subarray(start, e), points };
      start = e;
    }
    this.#series = new Map();
    this.#points = 0;
    this.#staged = 0;
    // Drop references to series ids of this batch (the staging arrays keep their length).
    this.#stagedSeries.fill('');
    return out;
  }
}

/** Bytes of a point `[ts, value]`: its array header, the timestamp as encodeCompact writes it, a float64. */
function pointBytes(ts: number): number {
  return 1 + intOrFloatBytes(ts) + 9;
}

function arrayHeaderBytes(n: number): number {
  return n < 16 ? 1 : n < 65536 ? 3 : 5;
}

/** MsgpackWriter.intOrFloat's width: the smallest integer encoding, or a float64 when fractional. */
function intOrFloatBytes(x: number): number {
  if (!Number.isSafeInteger(x)) return 9;
  if (x >= 0) return x < 128 ? 1 : x < 256 ? 2 : x < 65536 ? 3 : x < 4294967296 ? 5 : 9;
  return x >= -32 ? 1 : x >= -128 ? 2 : x >= -32768 ? 3 : x >= -2147483648 ? 5 : 9;
}
