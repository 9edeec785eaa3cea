import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReviewCollector } from '../../src/review/review.js';
import { quantile, type RuleReview } from '../../src/review/stats.js';
import type { AlertEvent } from '../../src/codec/alerts.js';
import { episode, event, MIN, T0 } from './helpers.js';

const NO_WHAT_IF = { forMs: [], keepFiringForMs: [] };

/** The review of `events` (in this order) with a 5-minute flap window. */
function review(
  events: AlertEvent[],
  o: { since?: number; until?: number; candidates?: { forMs: number[]; keepFiringForMs: number[] }; top?: number } = {},
) {
  const c = new ReviewCollector({ since: o.since, until: o.until });
  for (const e of events) c.event(e);
  return c.finish({ source: { files: ['test'] }, flapWindowMs: 5 * MIN, top: o.top ?? 5, candidates: o.candidates ?? NO_WHAT_IF });
}

function rule(events: AlertEvent[], o: Parameters<typeof review>[1] = {}): RuleReview {
  const doc = review(events, o);
  assert.equal(doc.rules.length, 1, 'one rule reviewed');
  return doc.rules[0]!;
}

test('a page that ends just under the flap window is a flap; one that ends at the window is not (the engine: end − fired < window)', () => {
  // Fired at minute 10; one ends 1 ms before 5 minutes later, the other exactly 5 minutes later.
  const early = episode({ series: 'a', start: 8, fired: 10 });
  early.push({ ...event({ series: 'a', startsAt: 8, reason: 'resolved', at: 15 }), ts: T0 + 15 * MIN - 1, endsAt: T0 + 15 * MIN - 1 });
  const r = rule([...early, ...episode({ series: 'b', start: 8, fired: 10, end: 15 })]);
  assert.equal(r.pages, 2);
  assert.equal(r.flaps, 1);
  assert.equal(r.flapShare, 0.5);
  assert.deepEqual(
    r.noisiest.map((s) => [s.series, s.flaps]),
    [
      ['a', 1],
      ['b', 0],
    ],
  );
  // Time firing counts from the fired event, not from startsAt (pending time is not firing).
  assert.equal(r.meanFiringMs, (5 * MIN - 1 + 5 * MIN) / 2);
});

test('an episode still firing at the end is a page, counted apart, and left out of mean and p90', () => {
  const r = rule([...episode({ series: 'a', start: 0, end: 10 }), ...episode({ series: 'b', start: 20 })], { until: T0 + 60 * MIN });
  assert.equal(r.pages, 2);
  assert.equal(r.stillFiring, 1);
  assert.equal(r.ended, 1);
  assert.equal(r.meanFiringMs, 10 * MIN);
  assert.equal(r.p90FiringMs, 10 * MIN);
  assert.equal(r.flaps, 0, 'a still-firing page has not flapped');
  // Its time firing so far runs to the end of the range: 20 → 60 minutes.
  assert.deepEqual(
    r.noisiest.map((s) => [s.series, s.firingMs]),
    [
      ['b', 40 * MIN],
      ['a', 10 * MIN],
    ],
  );
});

test('p90 is the nearest rank (the 9th of 10 durations, the 10th of 11), the mean the plain mean', () => {
  const ten = Array.from({ length: 10 }, (_, i) => episode({ series: `s${i}`, start: 0, end: (i + 1) * 10 })).flat();
  const r = rule(ten);
  assert.equal(r.p90FiringMs, 90 * MIN);
  assert.equal(r.meanFiringMs, 55 * MIN);
  assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9), 10);
  assert.equal(quantile([7], 0.9), 7);
  assert.equal(quantile([], 0.9), null);
  assert.equal(r.flaps, 0, 'the shortest lasted 10 minutes');
});

test('events in any order and delivered twice give the same episodes; an event without reason reads by status', () => {
  const events = [...episode({ series: 'a', start: 0, fired: 2, end: 3 }), ...episode({ series: 'b', start: 5, end: 30 })];
  const forward = review(events);
  const shuffled = review([...events].reverse().concat(events));
  assert.deepEqual(shuffled.rules, forward.rules);
  assert.equal(shuffled.input.duplicates, events.length);
  assert.equal(shuffled.input.events, events.length);
  const { reason: _fired, ...firedWithout } = events[0]!;
  const { reason: _resolved, ...resolvedWithout } = events[1]!;
  assert.deepEqual(review([firedWithout, resolvedWithout, ...events.slice(2)]).rules, forward.rules);
  assert.equal(forward.rules[0]!.flaps, 1, 'a fired at 2, ended at 3');
});

test('the range: an episode fired before --since is carried in, not a page; one resolved after --until still fires', () => {
  const events = [
    ...episode({ series: 'a', start: 0, end: 20 }), // fired before the range, ends in it
    ...episode({ series: 'b', start: 15, end: 25 }), // wholly inside
    ...episode({ series: 'c', start: 50, end: 90 }), // resolves after the range
  ];
  const doc = review(events, { since: T0 + 10 * MIN, until: T0 + 60 * MIN });
  const r = doc.rules[0]!;
  assert.equal(r.pages, 2);
  assert.equal(r.carriedIn, 1);
  assert.equal(r.stillFiring, 1);
  assert.equal(doc.input.outOfRange, 2, 'a fired at 0 and c resolved at 90');
  assert.equal(r.series, 3, 'every series with an episode of the rule in the range');
  assert.deepEqual([doc.range.from, doc.range.to, doc.range.days], [T0 + 10 * MIN, T0 + 60 * MIN, 50 / 1440]);
});

test('pages per series-day: pages / (series that alerted × days of the range); severities as fired', () => {
  const day = 1440;
  const events = [
    ...episode({ series: 'a', start: 60, end: 70 }),
    ...episode({ series: 'a', start: day + 60, end: day + 70, severity: 'critical' }),
    ...episode({ series: 'a', start: day + 120, end: day + 130 }),
    ...episode({ series: 'b', start: 200, end: 230 }),
  ];
  const r = rule(events, { since: T0, until: T0 + 2 * day * MIN });
  assert.equal(r.seriesDays, 4);
  assert.equal(r.pagesPerSeriesDay, 1);
  assert.deepEqual(r.pagesBySeverity, { warning: 3, critical: 1 });
});

test('escalations, repeats and stale endings are counted per rule; rules are reviewed apart, by name', () => {
  const events = [
    ...episode({ rule: 'zeta', start: 0, end: 60 }),
    event({ rule: 'zeta', startsAt: 0, reason: 'severity_changed', at: 10, severity: 'critical' }),
    event({ rule: 'zeta', startsAt: 0, reason: 'repeat', at: 30, severity: 'critical' }),
    event({ rule: 'alpha', startsAt: 5, reason: 'fired', at: 5 }),
    event({ rule: 'alpha', startsAt: 5, reason: 'stale', at: 8 }),
  ];
  const doc = review(events);
  assert.deepEqual(
    doc.rules.map((r) => [r.rule, r.pages, r.escalations, r.repeats, r.stale, r.flaps]),
    [
      ['alpha', 1, 0, 0, 1, 1],
      ['zeta', 1, 1, 1, 0, 0],
    ],
  );
  assert.deepEqual(doc.totals, { pages: 2, flaps: 1, stillFiring: 0 });
});

test('the noisiest series: most pages first, then most flaps; --top bounds the list', () => {
  const events = [
    ...episode({ series: 'quiet', start: 0, end: 100 }),
    ...episode({ series: 'flappy', start: 0, end: 1 }),
    ...episode({ series: 'flappy', start: 10, end: 11 }),
    ...episode({ series: 'busy', start: 0, end: 60 }),
    ...episode({ series: 'busy', start: 100, end: 160 }),
    ...episode({ series: 'busy', start: 200, end: 260 }),
  ];
  assert.deepEqual(
    rule(events, { top: 2 }).noisiest.map((s) => [s.series, s.pages, s.flaps]),
    [
      ['busy', 3, 0],
      ['flappy', 2, 2],
    ],
  );
});

test('no events: an empty review with no range', () => {
  const doc = review([]);
  assert.deepEqual(doc.rules, []);
  assert.deepEqual([doc.range.from, doc.range.to, doc.range.days], [null, null, 0]);
});
