import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { Outcome } from '../../src/core/outcome.js';
import type { AlertEvent } from '../../src/codec/alerts.js';
import { Engine } from '../../src/engine/engine.js';
import { makeRule } from '../support/rules.js';
import { mulberry32, gaussian } from '../support/random.js';
import type { Rule } from '../../src/core/rule.js';

const enc = new TextEncoder();
const MIN = 60_000;

/** The core through the engine's per-sample path (key lookup, admission, scoring, lifecycle). */
class TestDetector extends Engine {
  constructor(rules: Rule[], maxSeries: number) {
    super({ rules, maxSeries, idleTimeoutMs: Infinity, flapWindowMs: 0, source: { topic: 'test', partition: 0 } });
    this.begin(0);
  }

  get store() {
    return this.detector.store;
  }

  private readonly counts = new Float64Array(8);

  /** Samples by outcome since the start. */
  counted(o: Outcome): number {
    return this.counts[o]!;
  }

  override observe(key: Uint8Array, ts: number, value: number): Outcome {
    const o = super.observe(key, ts, value);
    this.counts[o]++;
    return o;
  }

  drainAlerts(): AlertEvent[] {
    const events = this.finish().alerts.map((a) => a.event);
    this.begin(0);
    return events;
  }

  evictIdle(now: number, idleMs: number): number {
    return this.detector.evictIdle(now, idleMs);
  }
}

function detector(rules: Rule[] = [makeRule()], maxSeries = 1000): TestDetector {
  return new TestDetector(rules, maxSeries);
}

function feed(d: TestDetector, series: string, values: number[], t0 = 0): AlertEvent[] {
  const k = enc.encode(series);
  values.forEach((v, i) => d.observe(k, t0 + i * MIN, v));
  return d.drainAlerts();
}

function noise(n: number, seed: number, mean = 100, std = 1): number[] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: n }, () => mean + std * g());
}

test('a spike and a dip alert with the right sign of z, scored against the window before them', () => {
  const d = detector();
  const values = noise(200, 1);
  values[150] = 130;
  values[180] = 70;
  const alerts = feed(d, 'latency{host="a"}', values);
  const fired = alerts.filter((a) => a.status === 'firing');
  assert.deepEqual(
    fired.map((a) => a.ts / MIN),
    [150, 180],
  );
  assert.ok(fired[0].z > 20, `spike z ${fired[0].z}`);
  assert.ok(fired[1].z < -5, `dip z ${fired[1].z} (the spike is in its window)`);
  assert.equal(fired[0].value, 130);
  assert.ok(Math.abs(fired[0].mean - 100) < 0.5, 'the spike did not dilute its own baseline');
  assert.equal(fired[0].name, 'latency');
  assert.deepEqual(fired[0].labels, { host: 'a' });
  assert.equal(fired[0].series, 'latency{host="a"}');
  assert.equal(fired[0].severity, 'warning');
  assert.equal(fired[0].window, 120);
  assert.deepEqual(
    alerts.filter((a) => a.status === 'resolved').map((a) => a.ts / MIN),
    [151, 181],
  );
});

test('direction up ignores dips; down ignores spikes', () => {
  const values = noise(200, 2);
  values[150] = 130;
  values[180] = 70;
  const up = feed(detector([makeRule({ direction: 'up' })]), 'm', values).filter((a) => a.status === 'firing');
  const down = feed(detector([makeRule({ direction: 'down' })]), 'm', values).filter((a) => a.status === 'firing');
  const steps = (alerts: AlertEvent[]) => alerts.map((a) => a.ts / MIN);
  assert.ok(steps(up).includes(150) && !steps(up).includes(180));
  assert.ok(steps(down).includes(180) && !steps(down).includes(150));
  assert.ok(up.every((a) => a.z > 0) && down.every((a) => a.z < 0));
});

test('no score before min_samples', () => {
  const d = detector([makeRule({ minSamples: 10 })]);
  const k = enc.encode('m');
  for (let i = 0; i < 10; i++) assert.equal(d.observe(k, i, i % 2), Outcome.Learning);
  assert.equal(d.observe(k, 10, 1e6), Outcome.Scored);
  assert.equal(d.drainAlerts().length, 1);
});

test('a flat line scores through the std floor: finite z, and a jump off it alerts', () => {
  const d = detector();
  const zero = feed(d, 'queue_depth', [...Array(50).fill(0), 1]);
  const big = feed(d, 'boot_time_seconds', [...Array(150).fill(1e9), 1e9 + 10]);
  const small = feed(d, 'boot_time_seconds{x="y"}', [...Array(150).fill(1e9), 1e9 + 0.5]);
  for (const a of [...zero, ...big]) assert.ok(Number.isFinite(a.z) && Number.isFinite(a.std), `finite: ${JSON.stringify(a)}`);
  assert.deepEqual(
    zero.map((a) => [a.ts / MIN, a.z]),
    [[50, 1 / 1e-9]],
    'std floor 1e-9 off a flat 0',
  );
  assert.deepEqual(
    big.map((a) => [a.ts / MIN, a.z]),
    [[150, 10]],
    'floor 1e-9·|mean| = 1 on a flat 1e9',
  );
  assert.equal(big[0]!.std, 1, 'the alert reports the std the score divided by (the floor)');
  assert.equal((big[0]!.value - big[0]!.mean) / big[0]!.std, big[0]!.z);
  assert.deepEqual(small, [], 'half the floor is below the threshold');
});

test('non-finite and overflowing values are rejected and never enter a window', () => {
  const d = detector();
  const k = enc.encode('m');
  for (let i = 0; i < 20; i++) d.observe(k, i, 5);
  for (const bad of [NaN, Infinity, -Infinity, 1e200]) assert.equal(d.observe(k, 99, bad), Outcome.RejectedValue);
  const slot = d.store.find(k);
  assert.equal(d.store.windows.mean(slot), 5);
  assert.equal(d.counted(Outcome.RejectedValue), 4);
});

test('first matching rule wins, resolved once per series; unmatched series are remembered', () => {
  const rules = [
    makeRule({
      name: 'errors',
      matchers: [
        { label: '__name__', op: '=~', value: 'http_.*' },
        { label: 'env', op: '=', value: 'prod' },
      ],
      tiers: [{ severity: 'critical', z: 3 }],
    }),
    makeRule({ name: 'rest', matchers: [{ label: 'env', op: '!=', value: 'dev' }] }),
  ];
  const d = detector(rules);
  const spike = [...noise(60, 3), 200];
  const a = feed(d, 'http_errors{env="prod"}', spike);
  const b = feed(d, 'cpu{env="prod"}', spike);
  const c = feed(d, 'cpu{env="dev"}', spike);
  assert.equal(a[0].rule, 'errors');
  assert.equal(a[0].severity, 'critical');
  assert.equal(b[0].rule, 'rest');
  assert.equal(c.length, 0);
  assert.equal(d.counted(Outcome.NoRule), spike.length);
});

test('max_series refuses new series and counts them; malformed keys are reported', () => {
  const d = detector([makeRule()], 2);
  const k = (s: string) => enc.encode(s);
  assert.equal(d.observe(k('a'), 0, 1), Outcome.Learning);
  assert.equal(d.observe(k('b'), 0, 1), Outcome.Learning);
  assert.equal(d.observe(k('c'), 0, 1), Outcome.Refused);
  assert.equal(d.observe(k('a'), 1, 1), Outcome.Learning);
  assert.equal(d.counted(Outcome.Refused), 1);
  const bad = k('bad{key');
  assert.equal(d.observe(bad, 0, 1), Outcome.BadKey);
});

test('multi-window: a slow level shift seen by both windows breaches; confirmation rejects what the short window absorbed', () => {
  const single = makeRule({ window: 120, shortWindow: 10, tiers: [{ severity: 'warning', z: 3 }] });
  const multi = { ...single, multiWindow: true };
  // Noise, then a sustained shift of +5σ: the short window fills with the new level and stops agreeing.
  const values = [...noise(150, 4), ...noise(40, 5, 105)];
  const s = feed(detector([single]), 'm', values).filter((a) => a.status === 'firing');
  const m = feed(detector([multi]), 'm', values).filter((a) => a.status === 'firing');
  assert.ok(s.length > 0 && m.length > 0, 'the shift is caught by both');
  assert.equal(m[0].ts, s[0].ts, 'first breach confirmed by both windows');
  const lastSingle = s.at(-1)!.ts / MIN;
  const lastMulti = m.at(-1)!.ts / MIN;
  assert.ok(lastMulti < lastSingle, `multi-window stops once the short window has absorbed the shift (${lastMulti} < ${lastSingle})`);
});

test('baseline exclude_anomalies keeps a sustained incident out of the window, then re-learns', () => {
  const include = makeRule({ window: 60, shortWindow: 10, for: { samples: 1 } });
  const exclude = { ...include, baseline: 'exclude_anomalies' as const };
  const values = [...noise(100, 6), ...noise(200, 7, 150)];
  const firingSpan = (r: Rule) => {
    const alerts = feed(detector([r]), 'm', values);
    const fired = alerts.find((a) => a.reason === 'fired')!;
    const resolved = alerts.find((a) => a.status === 'resolved')!;
    return (resolved.ts - fired.ts) / MIN;
  };
  const inc = firingSpan(include);
  const exc = firingSpan(exclude);
  assert.ok(exc > inc, `the incident holds longer with exclusion (${exc} > ${inc})`);
  assert.ok(exc <= 60 + 60, `and the window re-learns the new level within two windows (${exc})`);
});

test('idle series are evicted on sample time; a firing alert resolves as stale', () => {
  const d = detector();
  feed(d, 'm{a="1"}', [...noise(30, 8), 500]);
  feed(d, 'm{a="2"}', noise(30, 9), 10 * MIN);
  assert.equal(d.evictIdle(50 * MIN, 15 * MIN), 1);
  const [stale] = d.drainAlerts();
  assert.equal(stale.reason, 'stale');
  assert.equal(stale.status, 'resolved');
  assert.equal(stale.series, 'm{a="1"}');
  assert.equal(d.store.size, 1);
});

test('the hot path allocates nothing per sample (no minor GC over 2M samples)', async () => {
  const d = detector([makeRule()], 20_000);
  const keys = Array.from({ length: 10_000 }, (_, i) => Buffer.from(`cpu{host="h${i}"}`));
  const g = gaussian(mulberry32(10));
  const values = Float64Array.from({ length: 50_000 }, () => g());
  for (let r = 0; r < 20; r++) for (let i = 0; i < keys.length; i++) d.observe(keys[i], r, values[(r * 7919 + i) % values.length]);
  d.drainAlerts();
  let scavenges = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  });
  obs.observe({ entryTypes: ['gc'] });
  // Values stay within noise (no alerts allocate records) so any scavenge would be per-sample garbage.
  for (let r = 20; r < 220; r++) {
    for (let i = 0; i < keys.length; i++) d.observe(keys[i], r, values[(r * 7919 + i) % values.length] * 0.5);
  }
  await new Promise((resolve) => setImmediate(resolve));
  obs.disconnect();
  const alerts = d.drainAlerts().length;
  assert.ok(scavenges <= 1, `${scavenges} minor GCs during 2M samples (alerts: ${alerts})`);
});
