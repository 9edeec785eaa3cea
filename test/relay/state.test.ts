/** The relay's fold of alert events into Alertmanager's view, and the alert it sends (no Kafka). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertLabels, fromEvent, labelKey, toWire } from '../../src/relay/am-alert.js';
import { AlertState } from '../../src/relay/state.js';
import { BoundedQueue } from '../../src/relay/queue.js';
import { backoffMs } from '../../src/relay/backoff.js';
import { alertsEndpoint } from '../../src/relay/client.js';
import { alertEvent, resolution } from './fixtures.js';

const MIN = 60_000;
const options = { generatorUrl: '', resolvedRetentionMs: 15 * MIN, firingTimeoutMs: 0 };
const T0 = 1_700_000_000_000;

test('labels: the series and rule labels, __name__, severity and alertname (which win over a series label)', () => {
  const e = alertEvent({
    rule: 'latency',
    severity: 'critical',
    labels: { job: 'api', severity: 'low', alertname: 'x' },
    name: 'http_latency',
  });
  assert.deepEqual(alertLabels(e), { job: 'api', severity: 'critical', alertname: 'latency', __name__: 'http_latency' });
});

test('the wire form: RFC 3339 times, a firing endsAt of send time + 4 intervals, generatorURL naming the series', () => {
  const e = alertEvent({ rule: 'r', labels: { job: 'a"b' }, startsAt: T0, annotations: { summary: 's' } });
  const firing = toWire(fromEvent(e, 'http://prom:9090/graph?g0.expr='), T0 + 5000, 4 * MIN);
  assert.equal(firing.startsAt, new Date(T0).toISOString());
  assert.equal(firing.endsAt, new Date(T0 + 5000 + 4 * MIN).toISOString());
  assert.equal(firing.generatorURL, `http://prom:9090/graph?g0.expr=${encodeURIComponent('http_request_duration_seconds{job="a"b"}')}`);
  assert.deepEqual(firing.annotations, { summary: 's' });
  const resolved = toWire(fromEvent(resolution(e, T0 + 9000), ''), T0 + 99_000, 4 * MIN);
  assert.equal(resolved.endsAt, new Date(T0 + 9000).toISOString(), 'a resolved alert keeps its own endsAt');
  assert.equal(resolved.generatorURL, undefined, 'no generator_url, no generatorURL');
});

test('firing, then resolved: the resolution is re-sent for the retention, counted from the record time', () => {
  const s = new AlertState(options);
  const e = alertEvent({ rule: 'r', labels: { job: 'a' }, startsAt: T0 });
  assert.equal(s.apply(e, T0).length, 1);
  assert.equal(s.firingCount, 1);
  const changed = s.apply(resolution(e, T0 + MIN), T0 + MIN);
  assert.equal(changed.length, 1);
  assert.equal(changed[0]!.endsAt, T0 + MIN);
  assert.deepEqual([s.firingCount, s.resolvedCount], [0, 1]);
  s.expire(T0 + 15 * MIN);
  assert.equal(s.snapshot().length, 1, 'still within 15 min of the resolution');
  s.expire(T0 + 16 * MIN);
  assert.deepEqual(s.snapshot(), [], 'let go after 15 min');
});

test('an escalation resolves the old label set and fires the new one (one episode, one id)', () => {
  const s = new AlertState(options);
  const warn = alertEvent({ rule: 'r', labels: { job: 'a' }, startsAt: T0, severity: 'warning' });
  s.apply(warn, T0);
  const crit = { ...warn, severity: 'critical', ts: T0 + MIN, reason: 'severity_changed' as const };
  const changed = s.apply(crit, T0 + MIN);
  assert.deepEqual(
    changed.map((a) => [a.labels.severity, a.endsAt]),
    [
      ['warning', T0 + MIN],
      ['critical', undefined],
    ],
  );
  assert.deepEqual([s.firingCount, s.resolvedCount], [1, 1]);
  // Back down to warning: the warning label set fires again and its retained resolution goes.
  s.apply({ ...warn, ts: T0 + 2 * MIN }, T0 + 2 * MIN);
  const snap = s.snapshot();
  assert.deepEqual(
    snap.map((a) => [a.labels.severity, a.endsAt === undefined ? 'firing' : 'resolved']),
    [
      ['critical', 'resolved'],
      ['warning', 'firing'],
    ],
  );
});

test('a new episode with the same labels supersedes an older one still firing (its worker lost its state)', () => {
  const s = new AlertState(options);
  const old = alertEvent({ rule: 'r', labels: { job: 'a' }, startsAt: T0 });
  const fresh = alertEvent({ rule: 'r', labels: { job: 'a' }, startsAt: T0 + 10 * MIN });
  s.apply(old, T0);
  s.apply(fresh, T0 + 10 * MIN);
  assert.equal(s.firingCount, 1);
  s.apply(resolution(fresh, T0 + 11 * MIN), T0 + 11 * MIN);
  assert.deepEqual(
    s.snapshot().map((a) => a.endsAt),
    [T0 + 11 * MIN],
    'only the resolution is left: nothing re-fires the label set',
  );
});

test('a late resolution of an older episode does not resolve the episode firing now', () => {
  const s = new AlertState(options);
  const old = alertEvent({ rule: 'r', labels: { job: 'a' }, startsAt: T0 });
  const fresh = alertEvent({ rule: 'r', labels: { job: 'a' }, startsAt: T0 + 10 * MIN });
  s.apply(fresh, T0 + 10 * MIN);
  assert.deepEqual(s.apply(resolution(old, T0 + 11 * MIN), T0 + 11 * MIN), []);
  assert.deepEqual(
    s.snapshot().map((a) => a.endsAt),
    [undefined],
  );
});

test('firing_timeout drops a firing alert that had no event for that long; 0 keeps it forever', () => {
  const forever = new AlertState(options);
  const timed = new AlertState({ ...options, firingTimeoutMs: 60 * MIN });
  const e = alertEvent({ rule: 'r', startsAt: T0 });
  forever.apply(e, T0);
  timed.apply(e, T0);
  timed.apply({ ...e, reason: 'repeat', ts: T0 + 30 * MIN }, T0 + 30 * MIN);
  assert.equal(timed.expire(T0 + 89 * MIN), 0, 'the repeat refreshed it');
  assert.equal(timed.expire(T0 + 90 * MIN), 1);
  assert.equal(forever.expire(T0 + 1000 * MIN), 0);
  assert.equal(forever.firingCount, 1);
});

test('labelKey ignores the order of labels', () => {
  assert.equal(labelKey({ a: '1', b: '2' }), labelKey({ b: '2', a: '1' }));
  assert.notEqual(labelKey({ a: '1' }), labelKey({ a: '2' }));
});

test('the bounded queue drops the oldest and says how many; a retried batch goes back to the front', () => {
  const q = new BoundedQueue<number>(5);
  assert.equal(q.push([1, 2, 3]), 0);
  assert.equal(q.push([4, 5, 6, 7]), 2);
  assert.deepEqual(q.take(2), [3, 4]);
  assert.equal(q.unshift([3, 4]), 0);
  assert.equal(q.push([8]), 1, 'full again: the oldest (the retried 3) goes');
  assert.deepEqual(q.take(10), [4, 5, 6, 7, 8]);
  assert.equal(q.length, 0);
  const big = new BoundedQueue<number>(3000);
  let dropped = 0;
  for (let i = 0; i < 10_000; i++) dropped += big.push([i]);
  assert.deepEqual([dropped, big.length], [7000, 3000]);
  assert.deepEqual(big.take(1), [7000]);
  big.take(1999);
  assert.deepEqual(big.take(1), [9000], 'still in order after the consumed prefix is compacted away');
});

test('backoff doubles from 250 ms up to the cap, with jitter in its upper half', () => {
  assert.equal(
    backoffMs(1, 30_000, () => 0),
    125,
  );
  assert.equal(
    backoffMs(1, 30_000, () => 1),
    250,
  );
  assert.equal(
    backoffMs(3, 30_000, () => 1),
    1000,
  );
  assert.equal(
    backoffMs(40, 30_000, () => 1),
    30_000,
  );
});

test('the endpoint of an Alertmanager base URL, with or without a path prefix', () => {
  assert.equal(alertsEndpoint('http://am:9093'), 'http://am:9093/api/v2/alerts');
  assert.equal(alertsEndpoint('http://am:9093/am/'), 'http://am:9093/am/api/v2/alerts');
});
