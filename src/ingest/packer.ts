/**
 * Where the decoders of one input batch put their samples (the `SampleSink`), and how those
 * samples leave: grouped by series, in arrival order, packed into compact multi-point records
 * `[[ts, v], …]` keyed by the canonical series id (README, "Wire formats"). One record per series
 * and batch (split at `maxPoints`): the worker pays its per-record cost once per burst of a series.
 *
 * A decoder may push some samples of a record and then throw (the record is bad further on). A
 * record is all or nothing: `push` writes past the accepted samples, `accept()` keeps them,
 * `reject()` forgets them.
 *
 * Layout: the batch's samples side by side in growable typed arrays (series id, time, value, and
 * the index of the series' next sample), each series a chain from its first sample to its last.
 * A series costs one Map entry; a sample, a slot in the arrays (no object per sample or series).
 * The arrays are kept from batch to batch.
 */
import { MsgpackWriter } from '../codec/msgpack-writer.js';
import type { SampleSink } from './format.js';

/** One output record: key = series id, value = compact msgpack, `points` of them. Also a kafkajs Message. */
export interface PackedRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly points: number;
}

const NONE = -1;

export class SeriesPacker implements SampleSink {
  readonly #maxPoints: number;
  /** Per sample: [0, #accepted) are the batch's, [#accepted, #end) the record being decoded. */
  #ids: string[] = [];
  #ts = new Float64Array(1024);
  #values = new Float64Array(1024);
  /** Index of the series' next sample, or NONE. */
  #next = new Int32Array(1024);
  #accepted = 0;
  #end = 0;
  /** Per series (in order of first appearance): its chain's first and last sample, and length. */
  #groups = new Map<string, number>();
  #head = new Int32Array(256);
  #tail = new Int32Array(256);
  #count = new Int32Array(256);

  constructor(maxPointsPerRecord: number) {
    if (!Number.isInteger(maxPointsPerRecord) || maxPointsPerRecord < 1)
      throw new RangeError(`maxPointsPerRecord must be an integer ≥ 1, got ${String(maxPointsPerRecord)}`);
    this.#maxPoints = maxPointsPerRecord;
  }

  push(series: string, timestampMs: number, value: number): void {
    const i = this.#end++;
    if (i === this.#ts.length) this.#growSamples();
    this.#ids[i] = series;
    this.#ts[i] = timestampMs;
    this.#values[i] = value;
  }

  /** The record decoded: its samples join the batch, each at the end of its series' chain. Returns how many. */
  accept(): number {
    const from = this.#accepted;
    const end = this.#end;
    const groups = this.#groups;
    for (let i = from; i < end; i++) {
      this.#next[i] = NONE;
      const id = this.#ids[i]!;
      const g = groups.get(id);
      if (g === undefined) {
        const ng = groups.size;
        if (ng === this.#head.length) this.#growGroups();
        groups.set(id, ng);
        this.#head[ng] = i;
        this.#tail[ng] = i;
        this.#count[ng] = 1;
      } else {
        this.#next[this.#tail[g]!] = i;
        this.#tail[g] = i;
        this.#count[g]!++;
      }
    }
    this.#accepted = end;
    return end - from;
  }

  /** The record failed: its samples are dropped (it goes to the dead-letter topic whole). */
  reject(): void {
    this.#end = this.#accepted;
  }

  /** Accepted samples not yet drained. */
  get points(): number {
    return this.#accepted;
  }

  /**
   * The batch's records, one series after another (each series' points in order), and a fresh
   * start. Every record is written into one buffer sized for the worst case (19 bytes a point, 5 a
   * record header) and handed out as a slice of it: one allocation per batch, not per record.
   */
  drain(): PackedRecord[] {
    const max = this.#maxPoints;
    const ts = this.#ts;
    const values = this.#values;
    const next = this.#next;
    const headers = this.#groups.size + Math.ceil(this.#accepted / max);
    const w = new MsgpackWriter(this.#accepted * 19 + headers * 5 + 16);
    const keys: string[] = [];
    const ends: number[] = [];
    const counts: number[] = [];
    let end = 0;
    for (const [key, g] of this.#groups) {
      let i = this.#head[g]!;
      let left = this.#count[g]!;
      if (left === 1) {
        w.arrayHeader(2).intOrFloat(ts[i]!).float64(values[i]!);
        end += pointBytes(ts[i]!);
        (keys.push(key), ends.push(end), counts.push(1));
        continue;
      }
      while (left > 0) {
        const n = Math.min(left, max);
        w.arrayHeader(n);
        end += arrayHeaderBytes(n);
        for (let k = 0; k < n; k++, i = next[i]!) {
          w.arrayHeader(2).intOrFloat(ts[i]!).float64(values[i]!);
          end += pointBytes(ts[i]!);
        }
        (keys.push(key), ends.push(end), counts.push(n));
        left -= n;
      }
    }
    const bytes = w.finish();
    if (bytes.length !== end) throw new Error(`SeriesPacker: wrote ${bytes.length} bytes, expected ${end}`);
    const out: PackedRecord[] = new Array(keys.length);
    let start = 0;
    for (let r = 0; r < keys.length; r++) {
      out[r] = { key: keys[r]!, value: bytes.subarray(start, ends[r]), points: counts[r]! };
      start = ends[r]!;
    }
    // Drop references to this batch's series ids; the typed arrays keep their size.
    this.#ids.length = 0;
    this.#groups = new Map();
    this.#accepted = 0;
    this.#end = 0;
    return out;
  }

  #growSamples(): void {
    const n = this.#ts.length * 2;
    this.#ts = grow(this.#ts, new Float64Array(n));
    this.#values = grow(this.#values, new Float64Array(n));
    this.#next = grow(this.#next, new Int32Array(n));
  }

  #growGroups(): void {
    const n = this.#head.length * 2;
    this.#head = grow(this.#head, new Int32Array(n));
    this.#tail = grow(this.#tail, new Int32Array(n));
    this.#count = grow(this.#count, new Int32Array(n));
  }
}

function grow<T extends Float64Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
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
