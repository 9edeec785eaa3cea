import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SloWindows } from '../../src/core/slo-windows.js';

/** mulberry32: the same pseudo-random inputs on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('window sums equal a brute-force sum over the last n steps, through gaps, late buckets and ring wraps', () => {
  const lengths = [60, 5, 360, 30];
  const w = new SloWindows(lengths, 2);
  const random = rng(7);
  // Every increase as (bucket, bad, total), for the brute force.
  const seen: [number, number, number][] = [];
  let head = 1000;
  for (let i = 0; i < 20_000; i++) {
    const r = random();
    // Mostly the next step or the same; sometimes a gap (up to twice the ring), sometimes a late bucket.
    if (r < 0.5) head += 1;
    else if (r < 0.52) head += Math.floor(random() * 720);
    const bucket = r > 0.95 ? head - Math.floor(random() * 400) : head;
    const bad = Math.floor(random() * 10);
    const total = bad + Math.floor(random() * 1000);
    const kept = w.add(1, bucket, bad, total);
    assert.equal(kept, head - bucket < 360, `bucket ${bucket} at head ${head}`);
    if (kept) seen.push([bucket, bad, total]);
    if (i % 97 === 0) {
      lengths.forEach((n, k) => {
        let b = 0;
        let t = 0;
        for (const [c, bb, tt] of seen) {
          if (c > head - n && c <= head) {
            b += bb;
            t += tt;
          }
        }
        assert.equal(w.bad(1, k), b, `bad over ${n} steps at ${head}`);
        assert.equal(w.total(1, k), t, `total over ${n} steps at ${head}`);
      });
    }
  }
  assert.equal(w.total(0, 0), 0, 'another group is untouched');
});

test('fractional increases leave no residue: a window whose counted buckets have all left is exactly 0', () => {
  const w = new SloWindows([10, 3], 1);
  for (let b = 0; b < 25; b++) w.add(0, b, 0.1 * b, 0.3);
  // Quiet steps (nothing counted): each window empties exactly, not to 1e-15 (a ratio of two residues would be noise).
  for (let b = 25; b < 36; b++) {
    w.add(0, b, 0, 0);
    if (b >= 27) assert.deepEqual([w.bad(0, 1), w.total(0, 1)], [0, 0], `3 steps at ${b}`);
  }
  assert.deepEqual([w.bad(0, 0), w.total(0, 0)], [0, 0]);
});

test('a new head far ahead of the old clears the group; reset empties it; grow keeps groups', () => {
  const w = new SloWindows([4], 1);
  w.add(0, 10, 1, 2);
  w.add(0, 11, 1, 2);
  assert.deepEqual([w.bad(0, 0), w.total(0, 0)], [2, 4]);
  w.add(0, 14, 0, 1);
  assert.deepEqual([w.bad(0, 0), w.total(0, 0)], [1, 3], 'bucket 10 left the window (11..14)');
  w.add(0, 100, 0, 1);
  assert.deepEqual([w.bad(0, 0), w.total(0, 0)], [0, 1]);
  w.grow(4);
  assert.deepEqual([w.bad(0, 0), w.total(0, 0)], [0, 1]);
  w.add(3, 5, 2, 2);
  assert.deepEqual([w.bad(3, 0), w.total(3, 0)], [2, 2]);
  w.reset(3);
  assert.deepEqual([w.bad(3, 0), w.total(3, 0), w.head[3]], [0, 0, -Infinity]);
  assert.throws(() => new SloWindows([0], 1), /whole numbers of steps/);
});
