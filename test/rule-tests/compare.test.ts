import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertEvent } from '../../src/codec/alerts.js';
import { compareStep, differences } from '../../src/rule-tests/compare.js';

const MIN = 60_000;

function event(over: Partial<AlertEvent>): AlertEvent {
  return {
    id: '0',
    status: 'firing',
    rule: 'r',
    severity: 'warning',
    series: 'm{a="1"}',
    name: 'm',
    labels: { a: '1' },
    ts: 10 * MIN,
    value: 5,
    mean: 1,
    std: 1,
    z: 4,
    window: 10,
    startsAt: 10 * MIN,
    annotations: {},
    reason: 'fired',
    ...over,
  };
}

test('only the fields given are checked; labels and annotations as whole maps', () => {
  const e = event({ labels: { a: '1', team: 'web' }, annotations: { summary: 's' } });
  assert.deepEqual(differences({}, e, MIN), []);
  assert.deepEqual(differences({ status: 'firing', reason: 'fired', rule: 'r', name: 'm', value: 5, startsAtStep: 10 }, e, MIN), []);
  assert.deepEqual(differences({ labels: { a: '1' } }, e, MIN), [{ field: 'labels', expected: { a: '1' }, got: { a: '1', team: 'web' } }]);
  assert.deepEqual(
    differences({ labels: { a: '1', team: 'db' } }, e, MIN).map((d) => d.field),
    ['labels'],
  );
  assert.deepEqual(differences({ labels: { a: '1', team: 'web' }, annotations: { summary: 's' } }, e, MIN), []);
  assert.deepEqual(
    differences({ annotations: {} }, e, MIN).map((d) => d.field),
    ['annotations'],
  );
  assert.deepEqual(differences({ startsAtStep: 9, severity: 'critical' }, e, MIN), [
    { field: 'severity', expected: 'critical', got: 'warning' },
    { field: 'starts_at_step', expected: 9, got: 10 },
  ]);
  assert.deepEqual(differences({ value: NaN }, event({ value: NaN }), MIN), [], 'NaN equals NaN');
});

test('pairing is one to one and order-free, and a loose expectation does not steal the event a strict one needs', () => {
  const a = event({ series: 'm{a="1"}', severity: 'critical' });
  const b = event({ series: 'm{a="2"}', labels: { a: '2' } });
  // Greedy in order would give {status: firing} the first event (a) and leave nothing for the second.
  const r = compareStep([{ status: 'firing' }, { severity: 'critical' }], [a, b], MIN);
  assert.deepEqual(r, { missing: [], unexpected: [] });
  assert.deepEqual(compareStep([{ series: 'm{a="2"}' }, { series: 'm{a="1"}' }], [a, b], MIN), { missing: [], unexpected: [] });
  assert.deepEqual(compareStep([], [], MIN), { missing: [], unexpected: [] });
});

test('counts must agree: two events for one expectation, one event for two', () => {
  const a = event({});
  const twice = compareStep([{ status: 'firing' }], [a, a], MIN);
  assert.deepEqual([twice.missing.length, twice.unexpected.length], [0, 1]);
  const once = compareStep([{ status: 'firing' }, { status: 'firing' }], [a], MIN);
  assert.deepEqual(once, { missing: [{ expected: { status: 'firing' } }], unexpected: [] });
});

test('an unpaired expectation is shown with the closest unpaired event, which is then not listed again', () => {
  const near = event({ series: 'm{a="1"}', severity: 'warning' });
  const far = event({ series: 'm{a="2"}', labels: { a: '2' }, status: 'resolved', reason: 'resolved' });
  const r = compareStep([{ status: 'firing', severity: 'critical', series: 'm{a="1"}' }], [far, near], MIN);
  assert.equal(r.missing.length, 1);
  assert.equal(r.missing[0]!.closest!.event, near);
  assert.deepEqual(r.missing[0]!.closest!.differences, [{ field: 'severity', expected: 'critical', got: 'warning' }]);
  assert.deepEqual(r.unexpected, [far]);
});
