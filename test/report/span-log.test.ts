import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanLog, SpanState } from '../../src/report/span-log.js';

const { Inactive: I, Pending: P, Firing: F } = SpanState;

/** A stepped clock: one state per minute. */
function log(states: number[], max = 100): SpanLog {
  const l = new SpanLog(max);
  states.forEach((s, i) => l.observe(i * 60_000, s));
  return l;
}

test('pending then firing then resolved; a breach held back by `for` is a pending span alone', () => {
  const l = log([I, P, P, F, F, F, I, I, P, I, I]);
  assert.deepEqual(l.spans(10 * 60_000), [
    { kind: 'pending', from: 60_000, to: 180_000 },
    { kind: 'firing', from: 180_000, to: 360_000 },
    { kind: 'pending', from: 480_000, to: 540_000 },
  ]);
});

test('a span still open at the end runs to the last sample; past maxChanges changes are counted, not kept', () => {
  assert.deepEqual(log([I, F, F]).spans(120_000), [{ kind: 'firing', from: 60_000, to: 120_000 }]);
  const l = log([P, I, P, I, P, I], 3);
  assert.equal(l.dropped, 3);
  assert.deepEqual(l.spans(300_000), [
    { kind: 'pending', from: 0, to: 60_000 },
    { kind: 'pending', from: 120_000, to: 120_000 },
  ]);
});
