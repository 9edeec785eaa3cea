/**
 * The scorer on hand-built files whose scores follow from NAB's rules by hand: the per-file
 * details (caught windows and their delays, misses, detections outside windows, probation), the
 * per-group sums, and the corpus-level checks. Equality with the reference is
 * nab-scorer.test.ts's job.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { buildNabFile, scoreCorpus, scoreFile, type NabCorpus, type NabFile } from '../../../bench/quality/nab-scorer.js';

const T0 = Date.UTC(2020, 0, 1);
const STEP = 5 * 60_000;
const STANDARD = { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 };
const PROFILES = {
  standard: STANDARD,
  reward_low_FP_rate: { ...STANDARD, fpWeight: 0.22 },
  reward_low_FN_rate: { ...STANDARD, fnWeight: 2 },
};

/** 100 rows (probation 15) with windows over the given row ranges. */
function file(rel: string, windows: [number, number][]): NabFile {
  const ts = Float64Array.from({ length: 100 }, (_, i) => T0 + i * STEP);
  return buildNabFile(
    rel,
    ts,
    new Float64Array(100),
    windows.map(([a, b]) => ({ startMs: ts[a]!, endMs: ts[b]! })),
  );
}

function rows(n: number, detected: number[]): Uint8Array {
  const out = new Uint8Array(n);
  for (const i of detected) out[i] = 1;
  return out;
}

/** NAB's scaled sigmoid, written out again so the expected values do not come from the code under test. */
const ss = (pos: number): number => (pos > 3 ? -1 : 2 / (1 + Math.exp(5 * pos)) - 1);

const A = file('g1/a.csv', [
  [40, 49],
  [70, 79],
]);
const DETECTED_A = [10, 42, 45, 60, 90];

test('a window counts once, at its earliest detection; a window without one costs fnWeight; FPs cost by distance after the last window', () => {
  const s = scoreFile(A, rows(100, DETECTED_A), STANDARD);
  // Row 42 of window 40..49 (width 10): pos = −(49 − 42 + 1)/10; 45 earns less and is ignored.
  // Rows 60 and 90 are 11 rows after windows of width 10: pos = 11/9. Row 10 is in probation.
  const expected = ss(-0.8) / ss(-1) - 1 + 2 * 0.11 * ss(11 / 9);
  assert.ok(Math.abs(s.score - expected) < 1e-12, `${s.score} vs ${expected}`);
  assert.deepEqual([s.windowsScored, s.windowsHit, s.tp, s.fp], [2, 1, 2, 2]);
  assert.equal(s.tp + s.fp + s.tn + s.fn, 100 - 15, 'only rows after probation are counted');
});

test('booleans and 0/1 scores are the same detections; scores below 1 are not detections', () => {
  const numeric = scoreFile(A, rows(100, DETECTED_A), STANDARD).score;
  const booleans = Array.from(rows(100, DETECTED_A), (x) => x === 1);
  assert.equal(scoreFile(A, booleans, STANDARD).score, numeric);
  const soft = Array.from(rows(100, DETECTED_A), (x) => (x === 1 ? 1 : 0.999));
  assert.equal(scoreFile(A, soft, STANDARD).score, numeric);
  assert.throws(() => scoreFile(A, new Uint8Array(99), STANDARD), /99 detections for 100 rows/);
});

test('details: caught windows with the delay of their first detection, missed windows, detections by place', () => {
  const corpus: NabCorpus = { root: 'mem', files: [A], profiles: PROFILES, windowsTotal: 2 };
  const [d] = scoreCorpus(corpus, { 'g1/a.csv': rows(100, DETECTED_A) }).files;
  assert.deepEqual(d, {
    file: 'g1/a.csv',
    group: 'g1',
    rows: 100,
    probation: 15,
    windows: 2,
    windowsScored: 2,
    caught: [{ window: 0, startMs: T0 + 40 * STEP, endMs: T0 + 49 * STEP, firstDetectionMs: T0 + 42 * STEP, delayMs: 2 * STEP }],
    missed: [{ window: 1, startMs: T0 + 70 * STEP, endMs: T0 + 79 * STEP }],
    detectionsInWindows: 2,
    detectionsOutside: 2,
    detectionsInProbation: 1,
  });
});

test('a window inside the probationary period is neither caught nor missed, but counts in perfect', () => {
  const early = file('g2/early.csv', [
    [5, 12],
    [50, 59],
  ]);
  const corpus: NabCorpus = { root: 'mem', files: [early], profiles: PROFILES, windowsTotal: 2 };
  const result = scoreCorpus(corpus, { 'g2/early.csv': rows(100, [6, 50]) });
  const [d] = result.files;
  assert.deepEqual([d!.windowsScored, d!.caught.length, d!.missed.length, d!.detectionsInProbation], [1, 1, 0, 1]);
  const std = result.profiles.standard;
  assert.deepEqual([std.nullRaw, std.perfect], [-1, 2]);
  // Caught at its first row: the window earns tpWeight exactly, so raw = 1 of a perfect 2.
  assert.ok(Math.abs(std.raw - 1) < 1e-12 && Math.abs(std.normalised - (100 * 2) / 3) < 1e-9, `${std.raw} ${std.normalised}`);
});

test('groups: per-group details and scores add up to the corpus', () => {
  const b = file('g1/b.csv', [[30, 39]]);
  const c = file('g2/c.csv', []);
  const corpus: NabCorpus = { root: 'mem', files: [A, b, c], profiles: PROFILES, windowsTotal: 3 };
  const result = scoreCorpus(
    corpus,
    new Map([
      ['g1/a.csv', rows(100, DETECTED_A)],
      ['g1/b.csv', rows(100, [30])],
      ['g2/c.csv', rows(100, [50])],
    ]),
  );
  assert.deepEqual(
    result.groups.map((g) => [g.group, g.files, g.windowsScored, g.windowsCaught, g.windowsMissed, g.detectionsOutside, g.delaysMs]),
    [
      ['g1', 2, 3, 2, 1, 2, [2 * STEP, 0]],
      ['g2', 1, 0, 0, 0, 1, []],
    ],
  );
  for (const p of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const) {
    const r = result.profiles[p];
    const sum = r.groups.reduce((s, g) => s + g.raw, 0);
    assert.ok(Math.abs(sum - r.raw) < 1e-12, `${p}: groups add up`);
    assert.equal(r.groups[1]!.normalised, null, 'a group without windows has no normalised score');
    assert.equal(r.groups[1]!.raw, -PROFILES[p].fpWeight, 'an FP with no window before it costs the full fpWeight');
  }
});

test('every file needs detections; files outside the corpus are ignored', () => {
  const corpus: NabCorpus = { root: 'mem', files: [A], profiles: PROFILES, windowsTotal: 2 };
  assert.throws(() => scoreCorpus(corpus, {}), /no detections for g1\/a\.csv/);
  assert.doesNotThrow(() => scoreCorpus(corpus, { 'g1/a.csv': new Uint8Array(100), 'other.csv': [] }));
  const silent = scoreCorpus(corpus, { 'g1/a.csv': new Uint8Array(100) }).profiles.standard;
  assert.deepEqual([silent.raw, silent.normalised], [-2, 0]);
});
