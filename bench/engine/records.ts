/**
 * The records the engine benchmark feeds, made once and before anything is timed: compact
 * single-point (`[ts, value]`) or multi-point (`[[ts, value], …]`) values, keyed by
 * Prometheus-style series ids, round-robin over the series, laid out as kafkajs hands a fetch
 * response over (key and value are Buffer slices of one large buffer, at odd offsets). Values are
 * N(100, 5²) noise from a seeded PRNG, so alerts are rare (|z| ≥ 3.5 about 5 times in 10,000).
 */
import { encodeCompact, encodeCompactPoints } from '../../src/codec/samples.js';
import type { SourceRecord } from '../../src/codec/source-record.js';
import { gaussian, mulberry32 } from '../../test/support/random.js';
import { makeKeys } from '../core/data.js';

export type RecordKind = 'compact' | 'compact10';

export interface RecordCorpus {
  readonly kind: RecordKind;
  readonly records: readonly SourceRecord[];
  readonly series: number;
  readonly pointsPerRecord: number;
  /** Records per series. */
  readonly rounds: number;
  /** Mean bytes of a record's key and of its value. */
  readonly keyBytes: number;
  readonly valueBytes: number;
}

/** 2026-01-01T00:00:00Z; one sample per series every 10 s of sample time. */
const T0 = Date.UTC(2026, 0, 1);
const STEP_MS = 10_000;
/** Bytes between two records in the fetch buffer (a record's other fields in the wire format). */
const GAP = 3;

export function pointsOf(kind: RecordKind): number {
  return kind === 'compact10' ? 10 : 1;
}

/**
 * `rounds` records per series for `series` series, in round-robin order (round r holds every
 * series once; point j of round r has time T0 + (r·points + j)·10 s).
 */
export function makeRecords(kind: RecordKind, series: number, rounds: number, seed: number): RecordCorpus {
  const { keys, keyBytes } = makeKeys(series, seed);
  const normal = gaussian(mulberry32(seed ^ 0x5a5a5a5a));
  const points = pointsOf(kind);
  const ts = new Float64Array(points);
  const values = new Float64Array(points);
  const encoded: Buffer[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let s = 0; s < series; s++) {
      for (let j = 0; j < points; j++) {
        ts[j] = T0 + (r * points + j) * STEP_MS;
        values[j] = 100 + 5 * normal();
      }
      encoded.push(kind === 'compact' ? encodeCompact(ts[0], values[0]) : encodeCompactPoints(ts, values));
    }
  }
  const valueBytes = encoded.reduce((n, v) => n + v.length, 0);
  const fetch = Buffer.alloc(13 + rounds * keyBytes + valueBytes + 2 * GAP * encoded.length);
  let at = 13; // odd: no alignment luck
  const records: SourceRecord[] = encoded.map((value, i) => {
    const key = keys[i % series];
    key.copy(fetch, at);
    const keySlice = fetch.subarray(at, at + key.length);
    at += key.length + GAP;
    fetch.set(value, at);
    const valueSlice = fetch.subarray(at, at + value.length);
    at += value.length + GAP;
    return { key: keySlice, value: valueSlice, offset: String(i) };
  });
  return { kind, records, series, pointsPerRecord: points, rounds, keyBytes: keyBytes / series, valueBytes: valueBytes / encoded.length };
}
