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

/** Lifecycle params with time escalation: after escalateMs[i] of firing, at least tier escalateTier[i]. */
function escalating(steps: [afterMs: number, tier: number][], over: Partial<LifecycleParams> = {}): LifecycleParams {
  return {
    ...base,
    ...over,
    escalateMs: Float64Array.from(steps, (s) => s[0]),
    escalateTier: Uint8Array.from(steps, (s) => s[1]),
  };
}

/** Like run(), with each transition's tier after it: `step:name@tier`. */
function runTiers(tiers: number[], p: LifecycleParams): string[] {
  const lc = new AlertLifecycle(1);
  const out: string[] = [];
  tiers.forEach((tier, i) => {
    const t = lc.step(0, tier, at(i), p);
    if (t !== Transition.None) out.push(`${i}:${TRANSITION_NAMES[t]}@${lc.tier[0]}`);
  });
  return out;
}

test('escalate: the severity rises exactly when the alert has fired for `after`, counted from firing (not pending)', () => {
  const p = escalating([[3 * MIN, 1]], { for: { samples: 2, ms: 0 } });
  // Pending at 0, fires at 1, so 3 minutes of firing is step 4.
  assert.deepEqual(runTiers([0, 0, 0, 0, 0, 0, -1], p), ['0:pending@0', '1:fired@0', '4:severity_changed@1', '6:resolved@1']);
});

test('escalate: several steps climb in turn; a sample that arrives late takes the highest step due, once', () => {
  const p = escalating([
    [2 * MIN, 1],
    [4 * MIN, 2],
  ]);
  assert.deepEqual(runTiers([0, 0, 0, 0, 0, 0, 0], p), ['0:fired@0', '2:severity_changed@1', '4:severity_changed@2']);
  // No sample between 1 and 5 minutes: the first sample after both steps are due jumps to the top.
  const lc = new AlertLifecycle(1);
  assert.equal(lc.step(0, 0, at(0), p), Transition.Fired);
  assert.equal(lc.step(0, 0, at(5), p), Transition.SeverityChanged);
  assert.equal(lc.tier[0], 2);
  assert.equal(lc.step(0, 0, at(6), p), Transition.None);
});

test('escalate: never de-escalates within an episode, and a score tier above the step is kept', () => {
  const p = escalating([[2 * MIN, 1]]);
  // Score escalation to 2 at step 1; the time step to 1 at step 2 is below it: nothing is sent.
  assert.deepEqual(runTiers([0, 2, 0, 0, -1], p), ['0:fired@0', '1:severity_changed@2', '4:resolved@2']);
});

test('escalate: a new episode starts again at its score tier (the escalation resets on resolve)', () => {
  const p = escalating([[2 * MIN, 1]]);
  assert.deepEqual(runTiers([0, 0, 0, -1, 0, 0, 0], p), [
    '0:fired@0',
    '2:severity_changed@1',
    '3:resolved@1',
    '4:fired@0',
    '6:severity_changed@1',
  ]);
});

test('escalate: an alert held by keep_firing_for is still firing, so it escalates on its clear samples too', () => {
  const p = escalating([[3 * MIN, 1]], { keepFiringFor: { samples: 5, ms: 0 } });
  assert.deepEqual(runTiers([0, -1, -1, -1, -1, -1, -1], p), ['0:fired@0', '3:severity_changed@1', '5:resolved@1']);
  // The sample that resolves does not also escalate.
  const q = escalating([[3 * MIN, 1]], { keepFiringFor: { samples: 3, ms: 0 } });
  assert.deepEqual(runTiers([0, -1, -1, -1, -1], q), ['0:fired@0', '3:resolved@0']);
});

test('escalate: the escalation re-sends at once and restarts the repeat interval', () => {
  const p = escalating([[2 * MIN, 1]], { repeatMs: 3 * MIN });
  assert.deepEqual(runTiers([0, 0, 0, 0, 0, 0], p), ['0:fired@0', '2:severity_changed@1', '5:repeat@1']);
});
