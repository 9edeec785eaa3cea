/**
 * Turns generated samples into Kafka records of one wire format (DESIGN.md, "Wire formats"), in
 * chunks that the producer sends as one request. Pure: no Kafka, so tests can decode what would be
 * sent. Every record's key is the canonical series id; verbose bodies name the same series.
 *
 * - `compact`          one record per sample, value `[ts, value]`, round-robin over the series;
 * - `compact-multi`    one record per series per pass, value `[[ts, value], ...]` with K
 *                      consecutive points of that series (the next K rounds of sample time);
 * - `verbose-msgpack`  one record per sample, a msgpack map `{name, labels, ts, value}`;
 * - `verbose-json`     the same as JSON text (readable by any client, kcat included).
 *
 * A chunk is drawn only when it is about to be sent, so every sample drawn (and every anomaly
 * recorded by the generator) is a sample sent.
 */

import { encodeCompact, encodeCompactPoints, encodeVerbose } from '../codec/sample-encoders.js';
import { SampleBlock, type TelemetryGenerator } from './generator.js';

export type SampleFormat = 'compact' | 'compact-multi' | 'verbose-msgpack' | 'verbose-json';
export const SAMPLE_FORMATS: readonly SampleFormat[] = ['compact', 'compact-multi', 'verbose-msgpack', 'verbose-json'];

/** The shape kafkajs's `Message` accepts. */
export interface SampleRecord {
  key: Buffer;
  value: Buffer;
  /** Set when the source was given the series' partitions (saves kafkajs a hash per record). */
  partition?: number;
}

export interface RecordChunk {
  records: SampleRecord[];
  /** Samples in `records` (records × points for compact-multi). */
  samples: number;
}

export class RecordSource {
  readonly #generator: TelemetryGenerator;
  readonly #format: SampleFormat;
  readonly #points: number;
  /** Key bytes per series, made once. */
  readonly #keys: Buffer[];
  readonly #partitions: ArrayLike<number> | undefined;
  /** name + labels per series for verbose bodies, made on first use. */
  readonly #identities: Array<{ name: string; labels: Readonly<Record<string, string>> } | undefined>;
  readonly #block: SampleBlock;
  readonly #ts: Float64Array;
  readonly #values: Float64Array;
  // compact-multi: position in the current pass over the series, and its points per record.
  #passNext = 0;
  #passEnd = 0;
  #passBase = 0;
  #passExtra = 0;
  #firstTs = NaN;
  #lastTs = NaN;

  /**
   * `maxRecords`: the most records a chunk may hold (sizes the scratch block);
   * `pointsPerRecord`: K for compact-multi (ignored otherwise); `partitions`: the partition of
   * each series' key, when known (records then carry it).
   */
  constructor(
    generator: TelemetryGenerator,
    format: SampleFormat,
    maxRecords: number,
    pointsPerRecord = 1,
    partitions?: ArrayLike<number>,
  ) {
    if (!SAMPLE_FORMATS.includes(format))
      throw new RangeError(`Expected \`format\` to be one of ${SAMPLE_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    this.#generator = generator;
    this.#format = format;
    this.#points = format === 'compact-multi' ? pointsPerRecord : 1;
    this.#keys = generator.ids.map((id) => Buffer.from(id, 'utf8'));
    if (partitions !== undefined && partitions.length !== generator.seriesCount) {
      throw new RangeError(`RecordSource: ${partitions.length} partitions for ${generator.seriesCount} series`);
    }
    this.#partitions = partitions;
    this.#identities = new Array(generator.seriesCount);
    this.#block = new SampleBlock(format === 'compact-multi' ? 1 : maxRecords);
    this.#ts = new Float64Array(this.#points);
    this.#values = new Float64Array(this.#points);
  }

  /** Sample time of the first sample drawn (NaN before any). */
  get firstTs(): number {
    return this.#firstTs;
  }

  /** Sample time of the latest sample drawn (NaN before any). */
  get lastTs(): number {
    return this.#lastTs;
  }

  /**
   * Draws and encodes the next chunk: at most `maxRecords` records, and at most `remaining`
   * samples, where `remaining` is what is left of the run's sample bound (Infinity when the run is
   * bounded by time only). compact-multi plans each pass over the series from it, so pass the
   * true remainder, not a smaller per-chunk figure; size chunks with `maxRecords`.
   */
  next(maxRecords: number, remaining: number): RecordChunk {
    return this.#format === 'compact-multi' ? this.#nextMulti(maxRecords, remaining) : this.#nextSingle(Math.min(maxRecords, remaining));
  }

  #nextSingle(max: number): RecordChunk {
    const block = this.#block;
    const n = this.#generator.fillRounds(block, max);
    const records = new Array<SampleRecord>(n);
    const { series, ts, values } = block;
    for (let j = 0; j < n; j++) {
      const i = series[j]!;
      records[j] = this.#record(i, this.#encodeOne(i, ts[j]!, values[j]!));
    }
    if (n > 0) this.#seen(ts[0]!, ts[n - 1]!);
    return { records, samples: n };
  }

  #encodeOne(i: number, ts: number, value: number): Buffer {
    switch (this.#format) {
      case 'compact':
        return encodeCompact(ts, value);
      case 'verbose-msgpack':
        return encodeVerbose({ ...this.#identity(i), ts, value }, 'msgpack');
      default:
        return encodeVerbose({ ...this.#identity(i), ts, value }, 'json');
    }
  }

  /**
   * One pass gives every series one record of K points. When fewer than N × K samples remain at
   * the start of a pass, they are spread evenly: ⌊R / N⌋ points each, one more for the first R mod N.
   */
  #nextMulti(maxRecords: number, remaining: number): RecordChunk {
    const gen = this.#generator;
    const n = gen.seriesCount;
    if (this.#passNext >= this.#passEnd) {
      const k = this.#points;
      this.#passBase = remaining >= n * k ? k : Math.floor(remaining / n);
      this.#passExtra = this.#passBase === k ? 0 : remaining % n;
      this.#passNext = 0;
      this.#passEnd = this.#passBase > 0 ? n : this.#passExtra;
    }
    const records: SampleRecord[] = [];
    let samples = 0;
    const ts = this.#ts;
    const values = this.#values;
    while (this.#passNext < this.#passEnd && records.length < maxRecords) {
      const i = this.#passNext++;
      const points = this.#passBase + (i < this.#passExtra ? 1 : 0);
      if (samples + points > remaining) {
        this.#passNext--;
        break;
      }
      gen.fillSeries(i, points, ts, values);
      const value =
        points === this.#points ? encodeCompactPoints(ts, values) : encodeCompactPoints(ts.subarray(0, points), values.subarray(0, points));
      records.push(this.#record(i, value));
      samples += points;
      this.#seen(ts[0]!, ts[points - 1]!);
    }
    return { records, samples };
  }

  #record(i: number, value: Buffer): SampleRecord {
    const partitions = this.#partitions;
    return partitions === undefined ? { key: this.#keys[i]!, value } : { key: this.#keys[i]!, value, partition: partitions[i]! };
  }

  #identity(i: number): { name: string; labels: Readonly<Record<string, string>> } {
    let id = this.#identities[i];
    if (id === undefined) {
      const { name, labels } = this.#generator.describe(i);
      id = this.#identities[i] = { name, labels };
    }
    return id;
  }

  #seen(first: number, last: number): void {
    if (!(first >= this.#firstTs)) this.#firstTs = first; // also when firstTs is NaN
    if (!(last <= this.#lastTs)) this.#lastTs = last;
  }
}
