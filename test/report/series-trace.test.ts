import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesTrace } from '../../src/report/series-trace.js';
import { mulberry32, gaussian } from '../support/random.js';

function pointsOf(t: SeriesTrace): { ts: number[]; value: number[]; lo: number[] } {
  const out = { ts: [] as number[], value: [] as number[], lo: [] as number[] };
  t.forEach((ts, value, lo) => {
    out.ts.push(ts);
    out.value.push(value);
    out.lo.push(lo);
  });
  return out;
}

test('up to its cap a trace keeps every row as it came', () => {
  const t = new SeriesTrace(64);
  for (let i = 0; i < 63; i++) t.add(i * 1000, i % 7, i - 1, i + 1);
  const p = pointsOf(t);
  assert.equal(t.rows, 63);
  assert.equal(t.level, 0);
  assert.deepEqual(
    p.ts,
    Array.from({ length: 63 }, (_, i) => i * 1000),
  );
  assert.deepEqual(
    p.value,
    Array.from({ length: 63 }, (_, i) => i % 7),
  );
  assert.deepEqual(
    p.lo,
    Array.from({ length: 63 }, (_, i) => i - 1),
  );
});

test('a million rows stay within the cap, in time order, and every spike and dip is still drawn', () => {
  const cap = 1024;
  const t = new SeriesTrace(cap);
  const g = gaussian(mulberry32(3));
  const spikes = new Map([
    [123_456, 500],
    [500_001, -400],
    [999_998, 300],
  ]);
  for (let i = 0; i < 1_000_000; i++) t.add(i, 100 + g() + (spikes.get(i) ?? 0), 90, 110);
  assert.equal(t.rows, 1_000_000);
  assert.ok(t.points <= cap, `${t.points} points`);
  assert.ok(t.points > cap / 4, `${t.points} points`);
  assert.ok(t.bytes <= cap * 24 + 64, `${t.bytes} bytes`);
  const p = pointsOf(t);
  for (let i = 1; i < p.ts.length; i++) assert.ok(p.ts[i]! > p.ts[i - 1]!, `time order at ${i}`);
  for (const [at, delta] of spikes) {
    const k = p.ts.indexOf(at);
    assert.ok(k >= 0, `the row at ${at} (${delta > 0 ? 'spike' : 'dip'}) is a point`);
    assert.ok(Math.abs(p.value[k]! - 100 - delta) < 6);
  }
  // The points keep the extremes of the rows they fold: the first and last ranges are covered.
  assert.ok(p.ts[0]! < 1000 && p.ts.at(-1)! > 999_000);
  assert.equal(t.rowsPerPoint, 2 ** t.level);
});

test('a lowered cap halves the trace at once; a cap must be a multiple of 4', () => {
  const t = new SeriesTrace(256);
  for (let i = 0; i < 200; i++) t.add(i, i === 77 ? 1e6 : i, NaN, NaN);
  t.setCap(64);
  assert.ok(t.points < 64);
  assert.ok(pointsOf(t).value.includes(1e6));
  for (let i = 200; i < 10_000; i++) t.add(i, i, NaN, NaN);
  assert.ok(t.points <= 64);
  assert.throws(() => new SeriesTrace(30), /multiple of 4 from 8 up, got 30/);
});
