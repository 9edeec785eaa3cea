import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReviewCollector } from '../../src/review/review.js';
import type { WhatIfResult } from '../../src/review/what-if.js';
import type { AlertEvent } from '../../src/codec/alerts.js';
import { episode, MIN, T0 } from './helpers.js';

function whatIf(
  events: AlertEvent[],
  forMin: number[],
  holdMin: number[],
  until?: number,
  currentHoldMin: number | null = 0,
): { pages: number; whatIf: readonly WhatIfResult[] } {
  const c = new ReviewCollector({ until });
  for (const e of events) c.event(e);
  const doc = c.finish({
    source: { files: [] },
    flapWindowMs: 5 * MIN,
    top: 5,
    candidates: { forMs: forMin.map((m) => m * MIN), keepFiringForMs: holdMin.map((m) => m * MIN) },
    holdMs: () => (currentHoldMin === null ? null : currentHoldMin * MIN),
  });
  return doc.rules[0]!;
}

test('for: X keeps the pages whose episode lasted X from its first breach (startsAt), still-firing ones up to the end', () => {
  const events = [
    ...episode({ series: 'a', start: 0, fired: 1, end: 2 }), // 2 minutes from startsAt
    ...episode({ series: 'b', start: 0, fired: 1, end: 6 }), // 6
    ...episode({ series: 'c', start: 0, fired: 1, end: 12 }), // 12
    ...episode({ series: 'd', start: 50 }), // still firing: 10 minutes to the end at 60
  ];
  const r = whatIf(events, [1, 2, 5, 10, 11], [], T0 + 60 * MIN);
  assert.equal(r.pages, 4);
  assert.deepEqual(
    r.whatIf.map((w) => [w.kind, w.ms / MIN, w.pages]),
    [
      ['for', 1, 4],
      ['for', 2, 4], // exactly X is enough
      ['for', 5, 3],
      ['for', 10, 2],
      ['for', 11, 1],
    ],
  );
});

test('keep_firing_for +Y merges an episode that began less than Y after the previous one ended (same series)', () => {
  const events = [
    ...episode({ series: 'a', start: 0, end: 10 }),
    ...episode({ series: 'a', start: 12, end: 20 }), // 2 minutes after the first
    ...episode({ series: 'a', start: 40, end: 50 }), // 20 minutes after the second
    ...episode({ series: 'b', start: 21, end: 30 }), // another series: never merged with a's
  ];
  const r = whatIf(events, [], [2, 3, 20, 21]);
  assert.equal(r.pages, 4);
  assert.deepEqual(
    r.whatIf.map((w) => [w.kind, w.ms / MIN, w.pages]),
    [
      ['keep_firing_for', 2, 4], // a gap of exactly Y is not merged
      ['keep_firing_for', 3, 3],
      ['keep_firing_for', 20, 3],
      ['keep_firing_for', 21, 2],
    ],
  );
});

test('keep_firing_for: an episode that fired before the range still absorbs the one right after it', () => {
  const events = [...episode({ series: 'a', start: 0, end: 30 }), ...episode({ series: 'a', start: 33, end: 40 })];
  const c = new ReviewCollector({ since: T0 + 20 * MIN });
  for (const e of events) c.event(e);
  const doc = c.finish({ source: { files: [] }, flapWindowMs: 5 * MIN, top: 5, candidates: { forMs: [], keepFiringForMs: [5 * MIN] } });
  const r = doc.rules[0]!;
  assert.equal(r.pages, 1);
  assert.equal(r.carriedIn, 1);
  assert.equal(r.whatIf[0]!.pages, 0, 'held 5 more minutes, the first episode would still have been firing at 33');
});

test('for: X with the current hold known as a duration takes it off the end; unknown, the hold counts as breach', () => {
  // Breach from 0, fired at 1; resolved at 12 after a 10-minute hold: the breach lasted about 2 minutes.
  const events = [...episode({ series: 'a', start: 0, fired: 1, end: 12 }), ...episode({ series: 'b', start: 0, fired: 1, end: 30 })];
  const pages = (hold: number | null) => whatIf(events, [5], [], undefined, hold).whatIf.map((w) => w.pages);
  assert.deepEqual(pages(10), [1], 'a: 2 minutes of breach, b: 20');
  assert.deepEqual(pages(null), [2], 'not known: both lasted 5 minutes');
  // The breach held at least until the alert fired, whatever the hold.
  assert.deepEqual(
    whatIf(events, [1], [], undefined, 60).whatIf.map((w) => w.pages),
    [2],
  );
});
