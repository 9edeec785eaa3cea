import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertLifecycle, Transition, TRANSITION_NAMES, type LifecycleParams } from '../../src/core/lifecycle.js';

const MIN = 60_000;
const at = (i: number) => i * MIN;

/**
 * Steps one slot through `tiers` (one per minute; -1 = clear, 0 = warning, 1 = critical) and
 * returns the transition names that are not `none`, as `step:name`.
 */
function run(tiers: number[], p: LifecycleParams): string[] {
  const lc = new AlertLifecycle(1);
  const out: string[] = [];
  tiers.forEach((tier, i) => {
    const t = lc.step(0, tier, at(i), p);
    if (t !== Transition.None) out.push(`${i}:${TRANSITION_NAMES[t]}`);
  });
  return out;
}

const now = { samples: 1, ms: 0 };
const base: LifecycleParams = { for: now, keepFiringFor: now, repeatMs: 0 };

test('fires on the first breach and resolves on the first clear sample by default', () => {
  assert.deepEqual(run([-1, 0, 0, -1, -1], base), ['1:fired', '3:resolved']);
});

test('for (samples): a breach must hold for N consecutive samples; shorter ones are held back', () => {
  const p = { ...base, for: { samples: 3, ms: 0 } };
  assert.deepEqual(run([0, 0, -1, 0, 0, 0, 0, -1], p), ['0:pending', '2:held_back', '3:pending', '5:fired', '7:resolved']);
});

test('for (duration): fires once the breach has lasted that long in sample time', () => {
  const p = { ...base, for: { samples: 0, ms: 2 * MIN } };
  assert.deepEqual(run([0, 0, 0, 0, -1], p), ['0:pending', '2:fired', '4:resolved']);
});

test('keep_firing_for (samples) bridges short gaps instead of flapping', () => {
  const p = { ...base, keepFiringFor: { samples: 3, ms: 0 } };
  assert.deepEqual(run([0, -1, -1, 0, -1, -1, -1, -1], p), ['0:fired', '6:resolved']);
  // Without it the same input flaps.
  assert.deepEqual(run([0, -1, -1, 0, -1, -1, -1, -1], base), ['0:fired', '1:resolved', '3:fired', '4:resolved']);
});

test('keep_firing_for (duration) counts from the first clear sample', () => {
  const p = { ...base, keepFiringFor: { samples: 0, ms: 2 * MIN } };
  assert.deepEqual(run([0, -1, -1, -1, -1], p), ['0:fired', '3:resolved']);
});

test('repeat re-sends a firing alert after the interval while it holds', () => {
  const p = { ...base, repeatMs: 3 * MIN };
  assert.deepEqual(run([0, 0, 0, 0, 0, 0, 0, -1], p), ['0:fired', '3:repeat', '6:repeat', '7:resolved']);
});

test('severity escalation re-sends at once; a drop back does not', () => {
  assert.deepEqual(run([0, 0, 1, 0, 1, -1], base), ['0:fired', '2:severity_changed', '5:resolved']);
});

test('startsAt is when the episode became pending; forceResolve ends a firing alert', () => {
  const lc = new AlertLifecycle(2);
  const p = { ...base, for: { samples: 2, ms: 0 } };
  lc.step(1, 0, at(5), p);
  assert.equal(lc.step(1, 0, at(6), p), Transition.Fired);
  assert.equal(lc.activeAt[1], at(5));
  assert.equal(lc.firedAt[1], at(6));
  assert.equal(lc.forceResolve(1), Transition.Resolved);
  assert.equal(lc.forceResolve(1), Transition.None);
});

test('re-arm: during the keep_firing_for hold, a breach of rearm × the peak resolves the episode and fires a new one; a smaller one does not', () => {
  const lc = new AlertLifecycle(1);
  lc.reset(0);
  const p: LifecycleParams = { for: { samples: 1, ms: 0 }, keepFiringFor: { samples: 10, ms: 0 }, repeatMs: 0, rearm: 2 };
  const at = (i: number) => i * 60_000;
  assert.equal(lc.step(0, 0, at(0), p, 7), Transition.Fired);
  assert.equal(lc.step(0, -1, at(1), p), Transition.None, 'held');
  assert.equal(lc.step(0, 0, at(2), p, 13), Transition.None, 'below 2 × 7: the same episode');
  assert.equal(lc.step(0, -1, at(3), p), Transition.None);
  assert.equal(lc.step(0, 0, at(4), p, 20), Transition.None, 'the peak is 13 now: 20 < 2 × 13');
  lc.step(0, -1, at(5), p);
  assert.equal(lc.step(0, 0, at(6), p, 60), Transition.Rearmed, '60 ≥ 2 × 20, after a clear sample');
  lc.refire(0, 0, at(6), 60);
  assert.equal(lc.activeAt[0], at(6), 'a new episode: a new startsAt, so a new alert id');
  assert.equal(lc.step(0, 0, at(7), p, 200), Transition.None, 'still breaching: no clear sample in between');
});
