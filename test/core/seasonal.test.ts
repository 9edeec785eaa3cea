import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeasonalProfiles, type SeasonalParams } from '../../src/core/seasonal.js';
import { Engine } from '../../src/engine/engine.js';
import { makeRule } from '../support/rules.js';
import { mulberry32, gaussian } from '../support/random.js';
import type { AlertEvent } from '../../src/codec/alerts.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5);
const PARAMS: SeasonalParams = { buckets: 24, days: 3, explains: 0.5, memory: 2000 };

test('the profile is looked up by time of day, not by sample count: gaps and uneven sampling do not shift it', () => {
  const sp = new SeasonalProfiles(2, 24);
  sp.reset(1);
  const u = mulberry32(41);
  const shape = (ts: number) => 100 + 10 * Math.floor((ts % DAY) / HOUR); // 100 at 00:xx … 330 at 23:xx
  let ts = T0;
  let last = -Infinity;
  while (ts < T0 + 5 * DAY) {
    // Uneven steps of 1–9 minutes, and a six-hour hole on day 2.
    if (!(ts > T0 + DAY + 3 * HOUR && ts < T0 + DAY + 9 * HOUR)) {
      sp.push(1, sp.bucketOf(1, ts), ts, ts - last, shape(ts), PARAMS);
      last = ts;
    }
    ts += Math.round((1 + 8 * u()) * 60_000);
  }
  const out = new Float64Array(2);
  for (const hour of [0, 5, 13, 23]) {
    assert.ok(sp.expected(sp.bucketOf(1, T0 + 7 * DAY + hour * HOUR + 17 * 60_000), out));
    assert.ok(Math.abs(out[0]! - (100 + 10 * hour)) < 1e-9, `hour ${hour}: ${out[0]}`);
    assert.ok(out[1]! < 1e-9, 'a bucket whose values never vary has no spread');
  }
  assert.ok(sp.covers(1, T0 + DAY) && !sp.covers(1, T0 + DAY - 1));
});

/** Noise with a daily rhythm; `extra(ts)` adds what the test is about. */
function feed(rules: Parameters<typeof makeRule>[0], extra: (ts: number) => number): AlertEvent[] {
  const engine = new Engine({
    rules: [makeRule(rules)],
    maxSeries: 10,
    idleTimeoutMs: Infinity,
    flapWindowMs: 0,
    source: { topic: 't', partition: 0 },
  });
  engine.begin(0);
  const g = gaussian(mulberry32(42));
  const key = Buffer.from('cpu');
  for (let ts = T0; ts < T0 + 10 * DAY; ts += 5 * 60_000) engine.observe(key, ts, 10 + g() + extra(ts));
  return engine
    .finish()
    .alerts.map((a) => a.event)
    .filter((e) => e.status === 'firing');
}

test('a spike that recurs every day at 03:00 pages while the profile learns it, then not; the same spike at 15:00 pages', () => {
  const rule = { memory: 3000, tiers: [{ severity: 'warning', z: 6 }], seasonality: PARAMS };
  const cron = (ts: number) => (ts % DAY === 3 * HOUR ? 30 : 0);
  const daily = feed(rule, cron);
  assert.ok(
    daily.length >= 1 && daily.every((a) => a.ts < T0 + 5 * DAY),
    `only the first days page: ${daily.map((a) => new Date(a.ts).toISOString())}`,
  );
  const plain = feed({ memory: 3000, tiers: [{ severity: 'warning', z: 6 }] }, cron);
  assert.ok(plain.length >= 8, `without seasonality every day pages (${plain.length})`);
  const odd = feed(rule, (ts) => cron(ts) + (ts === T0 + 8 * DAY + 15 * HOUR ? 30 : 0));
  assert.ok(
    odd.some((a) => a.ts === T0 + 8 * DAY + 15 * HOUR),
    'the same spike at an unusual hour pages',
  );
});

test('where the profile explains the series, the alert says it was scored against its time of day', () => {
  const swing = (ts: number) => 20 * Math.sin((2 * Math.PI * (ts % DAY)) / DAY);
  const dip = T0 + 7 * DAY + 6 * HOUR; // the daily peak: a value of the trough there is anomalous only against the hour
  const alerts = feed({ memory: 3000, tiers: [{ severity: 'warning', z: 6 }], seasonality: PARAMS }, (ts) =>
    ts === dip ? swing(ts) - 40 : swing(ts),
  );
  const a = alerts.find((x) => x.ts === dip);
  assert.ok(a, `the off-shape value pages (${alerts.map((x) => new Date(x.ts).toISOString())})`);
  assert.equal(a.baseline, 'daily');
  assert.equal(a.trigger, 'z');
  assert.ok(Math.abs(a.mean - 30) < 2, `expected ≈ 10 + 20 at the peak, got ${a.mean}`);
});
