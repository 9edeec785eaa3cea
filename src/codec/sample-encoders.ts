/**
 * Encoders for sample records (the load generator, tests, `produce`). Not on the hot path.
 * Timestamps are written as msgpack integers (smallest width; float64 only if fractional),
 * values always as float64, so `1.0` stays a float for typed consumers. They return `Buffer`
 * because kafkajs accepts a Buffer (not a bare Uint8Array) as a message value.
 */

import { MsgpackWriter } from './msgpack-writer.js';

export interface VerboseSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  ts: number;
  value: number;
}

/** A compact single-point record: `[ts, value]`. */
export function encodeCompact(ts: number, value: number): Buffer {
  return new MsgpackWriter(20).arrayHeader(2).intOrFloat(ts).float64(value).finish();
}

/** A compact multi-point record `[[ts, value], ...]`, from pairs or from two parallel arrays. */
export function encodeCompactPoints(points: ArrayLike<readonly [number, number]>): Buffer;
export function encodeCompactPoints(ts: ArrayLike<number>, values: ArrayLike<number>): Buffer;
export function encodeCompactPoints(a: ArrayLike<readonly [number, number]> | ArrayLike<number>, values?: ArrayLike<number>): Buffer {
  const n = a.length;
  if (n === 0) throw new RangeError('encodeCompactPoints: a record needs at least one point');
  if (values !== undefined && values.length !== n) {
    throw new RangeError(`encodeCompactPoints: ${n} timestamps but ${values.length} values`);
  }
  const w = new MsgpackWriter(5 + n * 19).arrayHeader(n);
  for (let i = 0; i < n; i++) {
    if (values === undefined) {
      const [ts, v] = (a as ArrayLike<readonly [number, number]>)[i]!;
      w.arrayHeader(2).intOrFloat(ts).float64(v);
    } else {
      w.arrayHeader(2)
        .intOrFloat((a as ArrayLike<number>)[i]!)
        .float64(values[i]!);
    }
  }
  return w.finish();
}

/**
 * A verbose record `{name, labels, ts, value}` (keys in that order). JSON cannot carry NaN or
 * ±Infinity, so those throw for 'json'; msgpack writes them as they are (tests use that).
 */
export function encodeVerbose(sample: VerboseSample, format: 'msgpack' | 'json'): Buffer {
  const { name, labels, ts, value } = sample;
  if (format === 'json') {
    if (!Number.isFinite(value) || !Number.isFinite(ts)) {
      throw new RangeError(`encodeVerbose: JSON cannot carry ts=${ts}, value=${value}`);
    }
    return Buffer.from(JSON.stringify({ name, labels, ts, value }), 'utf8');
  }
  return new MsgpackWriter(64)
    .mapHeader(4)
    .str('name')
    .str(name)
    .str('labels')
    .stringMap(labels)
    .str('ts')
    .intOrFloat(ts)
    .str('value')
    .float64(value)
    .finish();
}
