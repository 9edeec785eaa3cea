import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, variance } from 'simple-statistics';
import { LongMemory } from '../../src/core/long-memory.js';
import { mulberry32, gaussian } from '../support/random.js';

function close(actual: number, expected: number, rel: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= rel, `${what}: ${actual} vs ${expected} (relative error ${err})`);
}

/** The weights the update gives each sample after all of them: α_i · Π_{j>i} (1 − α_j), α_i = 1 / min(i + 1, memory). */
function weights(n: number, memory: number): number[] {
  const w = new Array<number>(n).fill(0);
  let carry = 1;
  for (let i = n - 1; i >= 0; i--) {
    const alpha = 1 / Math.min(i + 1, memory);
    w[i] = alpha * carry;
    carry *= 1 - alpha;
  }
  return w;
}

/** Two-pass weighted mean and population variance (weights sum to 1). */
function weighted(xs: number[], w: number[]): { mean: number; variance: number } {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += w[i]! * xs[i]!;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += w[i]! * (xs[i]! - m) ** 2;
  return { mean: m, variance: v };
}

test('until `memory` samples it is the plain mean and population variance (simple-statistics), also for 1e9 ± 1', () => {
  const g = gaussian(mulberry32(21));
  const xs = Array.from({ length: 2000 }, () => 1e9 + g());
  const lm = new LongMemory(4);
  lm.reset(2);
  xs.forEach((x) => lm.push(2, x, 5000));
  close(lm.mean(2), mean(xs), 1e-15, 'mean');
  close(lm.variance(2), variance(xs), 1e-9, 'variance');
  assert.equal(lm.count(2), 2000);
});

test('past `memory` samples older ones fade geometrically: the two-pass weighted oracle agrees, and a level shift is learnt', () => {
  const g = gaussian(mulberry32(22));
  const xs = [...Array.from({ length: 3000 }, () => 50 + 2 * g()), ...Array.from({ length: 1500 }, () => 80 + 2 * g())];
  const lm = new LongMemory(1);
  lm.reset(0);
  xs.forEach((x) => lm.push(0, x, 500));
  const oracle = weighted(xs, weights(xs.length, 500));
  close(lm.mean(0), oracle.mean, 1e-12, 'mean');
  close(lm.variance(0), oracle.variance, 1e-9, 'variance');
  // 1500 samples = 3 memories after a +30 shift: 30 · e⁻³ ≈ 1.5 of the old level is left.
  assert.ok(Math.abs(lm.mean(0) - (80 - 30 * Math.exp(-3))) < 0.3, `the level shift is learnt as e⁻ⁿ (${lm.mean(0)})`);
  assert.equal(lm.count(0), 500, 'the count stops at the memory');
});

test('grow keeps the state of every slot; reset clears one', () => {
  const lm = new LongMemory(2);
  for (const s of [0, 1]) for (let i = 0; i < 10; i++) lm.push(s, s * 100 + i, 100);
  lm.grow(8);
  assert.equal(lm.mean(1), 104.5);
  assert.equal(lm.count(0), 10);
  lm.reset(1);
  assert.deepEqual([lm.mean(1), lm.variance(1), lm.count(1)], [0, 0, 0]);
});
