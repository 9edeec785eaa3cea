import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean as ssMean, variance as ssVariance } from 'simple-statistics';
import { RollingWindows } from '../../src/core/window.js';
import { mulberry32, gaussian } from '../support/random.js';

const W = 120;
const WS = 30;

/**
 * Relative error 1e-9, or an absolute error below the float resolution of the data itself
 * (a mean of ±1e9 values that cancels to ~0 is only known to ~1e-7, by the oracle too).
 */
function closeMean(actual: number, expected: number, scale: number): boolean {
  return Math.abs(actual - expected) <= 1e-9 * Math.abs(expected) + 4 * Number.EPSILON * scale;
}
function closeVariance(actual: number, expected: number, scale: number): boolean {
  const resolution = 8 * Number.EPSILON * scale;
  return Math.abs(actual - expected) <= 1e-9 * Math.abs(expected) + resolution * resolution;
}

interface Rolling {
  push(x: number): void;
  mean(): number;
  variance(): number;
  shortMean(): number;
  shortVariance(): number;
}

function ours(w = W, ws = WS): Rolling {
  const r = new RollingWindows(w, 1);
  r.reset(0, w, ws);
  return {
    push: (x) => r.push(0, x),
    mean: () => r.mean(0),
    variance: () => r.variance(0),
    shortMean: () => r.shortMean(0),
    shortVariance: () => r.shortVariance(0),
  };
}

/** The textbook O(1) approach the property tests must reject: plain Σx and Σx². */
function naiveSums(w = W, ws = WS): Rolling {
  const buf: number[] = [];
  let s = 0;
  let ss = 0;
  return {
    push(x) {
      buf.push(x);
      s += x;
      ss += x * x;
      if (buf.length > w) {
        const o = buf.shift()!;
        s -= o;
        ss -= o * o;
      }
    },
    mean: () => s / buf.length,
    variance: () => Math.max(0, ss / buf.length - (s / buf.length) ** 2),
    shortMean: () => NaN,
    shortVariance: () => NaN,
  };
}

/** Feeds `values` and checks against simple-statistics every `every` pushes; returns the first mismatch. */
function firstMismatch(r: Rolling, values: Iterable<number>, every = 1, checkShort = true, already: number[] = []): string | null {
  const tail: number[] = [...already];
  let i = 0;
  for (const x of values) {
    r.push(x);
    tail.push(x);
    if (tail.length > W) tail.shift();
    i++;
    if (i % every !== 0) continue;
    const m = ssMean(tail);
    const v = ssVariance(tail);
    const scale = Math.max(...tail.map(Math.abs));
    if (!closeMean(r.mean(), m, scale)) return `mean after ${i}: ${r.mean()} vs ${m}`;
    if (!closeVariance(r.variance(), v, scale)) return `variance after ${i}: ${r.variance()} vs ${v}`;
    if (checkShort) {
      const short = tail.slice(-WS);
      const sm = ssMean(short);
      const sv = ssVariance(short);
      const sscale = Math.max(...short.map(Math.abs));
      if (!closeMean(r.shortMean(), sm, sscale)) return `short mean after ${i}: ${r.shortMean()} vs ${sm}`;
      if (!closeVariance(r.shortVariance(), sv, sscale)) return `short variance after ${i}: ${r.shortVariance()} vs ${sv}`;
    }
  }
  return null;
}

function* take(n: number, f: (i: number) => number): Generator<number> {
  for (let i = 0; i < n; i++) yield f(i);
}

const streams: Record<string, () => Iterable<number>> = {
  'gaussian noise': () => {
    const g = gaussian(mulberry32(1));
    return take(5000, () => g());
  },
  'values around 1e9 ± 1': () => {
    const u = mulberry32(2);
    return take(5000, () => 1e9 + (u() * 2 - 1));
  },
  'values around 1e-9': () => {
    const g = gaussian(mulberry32(3));
    return take(5000, () => 1e-9 * (1 + 0.01 * g()));
  },
  'constant runs': () => {
    const u = mulberry32(4);
    const levels = [0, 0.1, -3, 1e6, 1e9 + 0.5, 1e-9];
    let level = 0;
    return take(5000, (i) => {
      if (i % 97 === 0) level = levels[Math.floor(u() * levels.length)];
      return level;
    });
  },
  'steps with noise': () => {
    const g = gaussian(mulberry32(5));
    const u = mulberry32(6);
    let level = 0;
    return take(5000, (i) => {
      if (i % 250 === 0) level = (u() < 0.5 ? 1 : -1) * 10 ** Math.floor(u() * 10);
      return level + g();
    });
  },
  'rare huge spikes': () => {
    const g = gaussian(mulberry32(7));
    const u = mulberry32(8);
    return take(5000, () => (u() < 0.01 ? 1e12 * g() : 100 + g()));
  },
};

for (const [name, make] of Object.entries(streams)) {
  test(`rolling mean and variance match simple-statistics: ${name}`, () => {
    assert.equal(firstMismatch(ours(), make()), null);
  });
}

test('the property check rejects plain sum / sum-of-squares (so it can fail)', () => {
  assert.notEqual(firstMismatch(naiveSums(), streams['values around 1e9 ± 1'](), 1, false), null);
  assert.notEqual(firstMismatch(naiveSums(), streams['steps with noise'](), 1, false), null);
});

test('still exact after 10 million updates (values around 1e9 ± 1)', () => {
  const r = new RollingWindows(W, 1);
  r.reset(0, W, WS);
  const u = mulberry32(9);
  const N = 10_000_000;
  for (let i = 0; i < N - 500; i++) r.push(0, 1e9 + (u() * 2 - 1));
  const rest: number[] = [];
  for (let i = 0; i < 500; i++) rest.push(1e9 + (u() * 2 - 1));
  const rolling: Rolling = {
    push: (x) => r.push(0, x),
    mean: () => r.mean(0),
    variance: () => r.variance(0),
    shortMean: () => r.shortMean(0),
    shortVariance: () => r.shortVariance(0),
  };
  // Warm the oracle's tail with the last W values already inside the ring.
  const inside = new Float64Array(W);
  r.valuesInto(0, inside);
  const check = firstMismatch(rolling, rest, 7, true, [...inside]);
  assert.equal(check, null);
  assert.equal(r.count[0], W);
});

test('windows shorter than the stride, and counts below the window', () => {
  const r = new RollingWindows(200, 2);
  r.reset(0, 10, 3);
  r.reset(1, 200, 50);
  for (let i = 1; i <= 25; i++) {
    r.push(0, i);
    r.push(1, -i);
  }
  assert.equal(r.count[0], 10);
  assert.equal(r.mean(0), ssMean([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]));
  assert.ok(Math.abs(r.variance(0) - ssVariance([16, 17, 18, 19, 20, 21, 22, 23, 24, 25])) < 1e-12);
  assert.equal(r.shortMean(0), 24);
  assert.equal(r.count[1], 25);
  assert.equal(r.mean(1), -13);
  const out = new Float64Array(10);
  assert.equal(r.valuesInto(0, out), 10);
  assert.deepEqual([...out], [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
});

test('a constant run has variance exactly 0', () => {
  const r = ours();
  for (let i = 0; i < 500; i++) r.push(0.1);
  assert.equal(r.variance(), 0);
  assert.equal(r.mean(), 0.1);
});
