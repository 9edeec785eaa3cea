/**
 * SLO burn-rate rules through the engine (the one detection path): how series join groups, what a
 * sample's outcome is, when groups are evaluated, and what eviction does. The cross-check against
 * Prometheus is test/rule-tests/slo-promtool.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { Outcome } from '../../src/core/outcome.js';
import { rulesSchema } from '../../src/config/rule-schema.js';
import type { Rule } from '../../src/core/rule.js';
import type { AlertEvent } from '../../src/codec/alerts.js';

const MIN = 60_000;

function rules(...input: object[]): Rule[] {
  return rulesSchema.parse(input);
}

/** Objective 0.99: a page when over 10 % of requests fail over both 10 and 2 minutes, a ticket over 3 % over 5 and 1. */
const SLO = {
  name: 'api-slo',
  kind: 'slo',
  objective: 0.99,
  errors: 'requests_total{code="500"}',
  total: 'requests_total',
  group_by: ['service'],
  windows: [
    { long: '10m', short: '2m', burn: 10, severity: 'page' },
    { long: '5m', short: '1m', burn: 3, severity: 'ticket' },
  ],
};

function engine(r: Rule[], idleTimeoutMs = Infinity): Engine {
  return new Engine({
    rules: r,
    maxSeries: 1000,
    initialCapacity: 4,
    idleTimeoutMs,
    evictEveryMs: 0,
    flapWindowMs: 0,
    source: { topic: 't', partition: 0 },
  });
}

/** Counters of one service: `rate(step)` → [errors, all] per minute; series by code. */
function feed(
  e: Engine,
  service: string,
  steps: number,
  rate: (s: number) => [number, number],
  from = 0,
  batchPerStep = true,
  counters = { bad: 0, ok: 0 },
): AlertEvent[] {
  const out: AlertEvent[] = [];
  let { bad, ok } = counters;
  const k500 = Buffer.from(`requests_total{code="500",service="${service}"}`);
  const k200 = Buffer.from(`requests_total{code="200",service="${service}"}`);
  if (!batchPerStep) e.begin(0);
  for (let s = from; s < from + steps; s++) {
    if (batchPerStep) e.begin(0);
    const [errors, all] = rate(s);
    if (s > 0) {
      bad += errors;
      ok += all - errors;
    }
    // The error series first: a group is not evaluated between its error and total samples.
    e.observe(k500, s * MIN, bad);
    e.observe(k200, s * MIN, ok);
    if (batchPerStep) out.push(...e.finish().alerts.map((a) => ({ ...a.event, step: s }) as AlertEvent));
  }
  if (!batchPerStep) out.push(...e.finish().alerts.map((a) => a.event));
  counters.bad = bad;
  counters.ok = ok;
  return out;
}

const incident = (s: number): [number, number] => (s >= 40 && s < 60 ? [200, 1000] : [1, 1000]);

test('a burn above the page pair pages, escalating from the ticket; the event carries burn rates', () => {
  const events = feed(engine(rules(SLO)), 'api', 100, incident);
  const summary = events.map((e) => `${(e as AlertEvent & { step: number }).step}:${e.reason}:${e.severity}`);
  // 20 % errors from step 40: over 3 % in 1 and 5 minutes at once (a ticket); over 10 % in 10 minutes
  // once 5 of its buckets burn (5 × 200 + 5 × 1 > 1000 of 10,000): a page at step 44. At step 60 the
  // 2-minute window still holds step 59's 200 errors (201 of 2,000 > 10 %); at 61 it is clear, and the
  // episode resolves at its highest severity.
  assert.deepEqual(summary, ['40:fired:ticket', '44:severity_changed:page', '61:resolved:page']);
  const page = events.find((e) => e.severity === 'page')!;
  assert.equal(page.series, 'api_slo{service="api"}');
  assert.deepEqual(page.labels, { service: 'api' });
  assert.equal(page.baseline, 'slo');
  assert.equal(page.threshold, 10, "the pair's burn factor");
  assert.ok(Math.abs(page.value - page.mean / page.std) < 1e-9, 'value is the long-window burn: its error ratio / (1 − objective)');
  assert.ok(Math.abs(page.std - 0.01) < 1e-12);
  assert.ok(page.value > 10 && page.z > 10, `long ${page.value} and short ${page.z} burn both above 10`);
});

test('one batch spanning the whole incident gives the same alerts at the same sample times as a batch per step', () => {
  const perStep = feed(engine(rules(SLO)), 'api', 100, incident).map((e) => `${e.ts}:${e.reason}:${e.severity}`);
  const oneBatch = feed(engine(rules(SLO)), 'api', 100, incident, 0, false).map((e) => `${e.ts}:${e.reason}:${e.severity}`);
  assert.ok(perStep.length >= 3);
  assert.deepEqual(oneBatch, perStep);
});

test('good instead of errors: bad = total − good gives the same alerts', () => {
  const good = { ...SLO, errors: undefined, good: 'requests_total{code="200"}' };
  delete (good as { errors?: string }).errors;
  const a = feed(engine(rules(SLO)), 'api', 100, incident).map((e) => `${e.ts}:${e.reason}:${e.severity}:${e.value.toFixed(9)}`);
  const b = feed(engine(rules(good)), 'api', 100, incident).map((e) => `${e.ts}:${e.reason}:${e.severity}:${e.value.toFixed(9)}`);
  assert.deepEqual(b, a);
});

test('groups are kept apart by group_by; without it, every label but the name keys the group', () => {
  const e = engine(rules(SLO));
  const a = feed(e, 'api', 60, incident);
  const b = feed(e, 'web', 60, () => [1, 1000]);
  assert.ok(a.length > 0);
  assert.equal(b.length, 0, 'a healthy service in the same engine does not alert');
  // No group_by: the code label keys the group too, so errors (code 500) never meet the 200s.
  const ungrouped = feed(engine(rules({ ...SLO, group_by: undefined })), 'api', 60, incident);
  assert.ok(
    ungrouped.every((ev) => ev.labels.code === '500'),
    'the 500 series is its own group (all its requests fail)',
  );
});

test("a sample's outcome: counted by SLO rules only is 'slo'; a series an anomaly rule matches is scored as well", () => {
  const e = engine(rules(SLO));
  e.begin(0);
  assert.equal(e.observe(Buffer.from('requests_total{code="500",service="a"}'), 0, 1), Outcome.Slo);
  assert.equal(e.observe(Buffer.from('other_metric{service="a"}'), 0, 1), Outcome.NoRule);
  const both = engine(rules(SLO, { name: 'all', min_samples: 2, window: 10, memory: 0 }));
  both.begin(0);
  const k = Buffer.from('requests_total{code="500",service="a"}');
  assert.equal(both.observe(k, 0, 1), Outcome.Learning, 'the catch-all anomaly rule still scores the counter');
  const r = both.finish();
  assert.equal(r.outcomes[Outcome.Slo], 0);
});

test('an SLO rule after a catch-all anomaly rule is allowed (SLO rules are outside the first-match order)', () => {
  assert.equal(rules({ name: 'all' }, SLO).length, 2);
  assert.throws(() => rules({ name: 'all' }, SLO, { name: 'late', match: { name: 'x' } }), /rules\[0\].*first matching rule wins/s);
});

test('a firing group resolves as stale when its last series is evicted, not before', () => {
  const e = engine(rules(SLO), 5 * MIN);
  const fired = feed(e, 'api', 50, incident);
  assert.equal(fired.at(-1)!.severity, 'page');
  // Step 50: only the 200 series (800 more requests); 200 of 1,800 in 2 minutes still burns > 10 %.
  e.begin(0);
  e.observe(Buffer.from('requests_total{code="200",service="api"}'), 50 * MIN, 39 * 999 + 10 * 800 + 800);
  assert.deepEqual(
    e.finish().alerts.map((a) => a.event.reason),
    [],
  );
  // Then nothing: the 500 series (last seen at 49) is evicted at 55, the 200 series at 56: only then does the group go.
  const events: string[] = [];
  for (let s = 51; s <= 62; s++) {
    e.begin(0);
    e.advanceClock(s * MIN);
    for (const a of e.finish().alerts) events.push(`${s}:${a.event.reason}:${a.event.series}:${a.event.severity}`);
  }
  assert.deepEqual(events, ['56:stale:api_slo{service="api"}:page']);
});

test('an engine restored from a snapshot mid-incident continues exactly as the uninterrupted one (windows, alert state, last counter values)', () => {
  const r = rules(SLO, { name: 'anomaly', match: { name: 'latency' }, memory: 0, window: 10, min_samples: 2 });
  const a = engine(r);
  const api = { bad: 0, ok: 0 };
  const web = { bad: 0, ok: 0 };
  // Two services; the snapshot is taken while api's page fires and web is healthy.
  const before = [...feed(a, 'api', 50, incident, 0, true, api), ...feed(a, 'web', 50, () => [1, 1000], 0, true, web)];
  assert.ok(before.some((e) => e.severity === 'page'));
  const b = engine(r);
  b.restore(a.snapshot());
  assert.equal(b.detector.firingCount(), 1, 'the firing group came back');
  // The same continuation for both (counters going on from their values at step 49): the restored
  // engine must know each series' last value, or it would miss step 50's increase.
  const rest = (e: Engine) =>
    [
      ...feed(e, 'api', 50, incident, 50, true, { ...api }),
      ...feed(e, 'web', 50, (s) => (s >= 50 && s < 60 ? [300, 1000] : [1, 1000]), 50, true, { ...web }),
    ].map((ev) => `${ev.ts}:${ev.series}:${ev.reason}:${ev.severity}:${ev.value}:${ev.startsAt}`);
  const expected = rest(a);
  assert.ok(expected.some((x) => x.includes(':resolved:')) && expected.some((x) => x.includes('web')));
  assert.deepEqual(rest(b), expected);
});

test("a sample older than its series' last one is ignored, not read as a counter restart", () => {
  const e = engine(rules(SLO));
  const counters = { bad: 0, ok: 0 };
  // A healthy service, 0.1 % errors: 199 errors by step 199.
  const quiet = (): [number, number] => [1, 1000];
  const before = feed(e, 'api', 200, quiet, 0, true, counters);
  // The 500 series' value of step 1 arrives again, late. Read as a restart, the next sample's
  // increase would be counted from 1: 200 errors in one minute, a false ticket.
  e.begin(0);
  e.observe(Buffer.from('requests_total{code="500",service="api"}'), 1 * MIN, 1);
  const late = e.finish().alerts;
  const after = feed(e, 'api', 20, quiet, 200, true, counters);
  assert.deepEqual([...before, ...late, ...after], []);
});
