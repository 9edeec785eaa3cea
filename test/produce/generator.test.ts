/** The synthetic telemetry generator: determinism, names, round-robin time, recorded anomalies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { canonicalSeriesId, parseSeriesId } from '../../src/codec/series-id.js';
import { SampleBlock, TelemetryGenerator, type GeneratorOptions } from '../../src/produce/generator.js';

const T0 = Date.UTC(2026, 0, 1);

function draw(opts: GeneratorOptions, n: number): { gen: TelemetryGenerator; values: Float64Array; ts: Float64Array; series: Uint32Array } {
  const gen = new TelemetryGenerator(opts);
  const block = new SampleBlock(n);
  gen.fillRounds(block);
  return { gen, values: block.values, ts: block.ts, series: block.series };
}

test('the same seed gives the same series and samples; another seed does not', () => {
  const opts = { series: 40, seed: 7, startTs: T0, anomalyRate: 0.01, warmup: 10 };
  const a = draw(opts, 4000);
  const b = draw(opts, 4000);
  assert.deepEqual(a.gen.ids, b.gen.ids);
  assert.deepEqual(a.values, b.values);
  assert.deepEqual(a.gen.anomalies, b.gen.anomalies);
  assert.ok(a.gen.anomalies.length > 0);
  const c = draw({ ...opts, seed: 8 }, 4000);
  assert.notDeepEqual(c.gen.ids, a.gen.ids);
  assert.ok(
    c.values.every((v, j) => v !== a.values[j]),
    'no sample repeats under another seed',
  );
});

test('series i is the same whatever the series count and the drawing order', () => {
  const small = new TelemetryGenerator({ series: 10, seed: 3, startTs: T0 });
  const large = new TelemetryGenerator({ series: 1000, seed: 3, startTs: T0 });
  assert.deepEqual(large.ids.slice(0, 10), small.ids);
  // Round-robin on the small one, series by series on the large one.
  const block = new SampleBlock(10 * 50);
  small.fillRounds(block);
  const ts = new Float64Array(50);
  const values = new Float64Array(50);
  for (let i = 0; i < 10; i++) {
    large.fillSeries(i, 50, ts, values);
    for (let k = 0; k < 50; k++) {
      assert.equal(block.series[k * 10 + i], i);
      assert.equal(values[k], block.values[k * 10 + i], `series ${i} sample ${k}`);
      assert.equal(ts[k], block.ts[k * 10 + i]);
    }
  }
});

test('ids are canonical, unique, and look like Prometheus series of a fleet', () => {
  const gen = new TelemetryGenerator({ series: 5000, seed: 1, startTs: T0 });
  assert.equal(new Set(gen.ids).size, 5000);
  for (const id of gen.ids) assert.equal(canonicalSeriesId(id), id);
  assert.match(gen.ids[0]!, /^http_request_duration_seconds\{host="(web|api|worker)-000",region="[a-z]+-[a-z]+-\d",service="[a-z]+"\}$/);
  assert.match(gen.ids[4999]!, /^queue_depth\{host="(web|api|worker)-999",/);
  const spec = gen.describe(4999);
  assert.equal(spec.id, gen.ids[4999]);
  assert.deepEqual(parseSeriesId(spec.id), { name: spec.name, labels: spec.labels });
  // The five metrics of a host share its labels.
  assert.deepEqual(gen.describe(5).labels, gen.describe(9).labels);
});

test('round-robin: one sample per series per round, rounds intervalMs apart from startTs', () => {
  const gen = new TelemetryGenerator({ series: 7, startTs: T0, intervalMs: 15_000 });
  // Odd chunk sizes: the cursor carries over between calls.
  const got = [...gen.take(5), ...gen.take(11), ...gen.take(19)];
  got.forEach((s, j) => {
    assert.equal(s.series, j % 7);
    assert.equal(s.ts, T0 + Math.floor(j / 7) * 15_000);
  });
  assert.equal(gen.cursor, 35 % 7);
  assert.equal(gen.samplesGenerated, 35);
  assert.equal(gen.drawnOf(3), 5);
});

test('startTs defaults to now, rounded down to the interval', () => {
  const before = Date.now();
  const gen = new TelemetryGenerator({ series: 1, intervalMs: 10_000 });
  assert.equal(gen.startTs % 10_000, 0);
  assert.ok(gen.startTs > before - 10_000 && gen.startTs <= Date.now());
});

test('clean samples: base + seasonality + N(0, σ) noise', () => {
  const { gen, values, ts, series } = draw({ series: 20, seed: 11, startTs: T0, seasonalPeriodMs: 3_600_000 }, 20 * 3000);
  let sum = 0;
  let sumSq = 0;
  for (let j = 0; j < values.length; j++) {
    const i = series[j]!;
    const z = (values[j]! - gen.expectedAt(i, ts[j]!)) / gen.describe(i).sigma;
    sum += z;
    sumSq += z * z;
  }
  const mean = sum / values.length;
  const std = Math.sqrt(sumSq / values.length - mean * mean);
  assert.ok(Math.abs(mean) < 0.03, `noise mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 0.03, `noise std ${std}`);
  // The seasonality moves the clean value by ± amplitude over the period.
  const spec = gen.describe(0);
  const clean = Array.from({ length: 60 }, (_, m) => gen.expectedAt(0, T0 + m * 60_000));
  assert.ok(Math.max(...clean) - Math.min(...clean) > spec.amplitude, 'an hour of a one-hour period spans the amplitude');
  assert.ok(spec.amplitude > 0 && spec.sigma > 0 && spec.base > 0);
});

test('every anomaly is recorded with its sign and size, matches the sample sent, and none falls in warm-up', () => {
  const warmup = 50;
  const opts = { series: 30, seed: 5, startTs: T0, anomalyRate: 0.02, anomalySigma: 8, warmup, anomalyGap: 20 };
  const { gen, values, ts, series } = draw(opts, 30 * 1000);
  const sent = new Map<string, number>();
  for (let j = 0; j < values.length; j++) sent.set(`${gen.ids[series[j]!]}@${ts[j]}`, values[j]!);
  assert.ok(gen.anomalies.length > 100, `${gen.anomalies.length} anomalies`);
  const last = new Map<string, number>();
  let spikes = 0;
  for (const a of gen.anomalies) {
    assert.equal(sent.get(`${a.series}@${a.ts}`), a.value, 'the recorded value is the value sent');
    assert.ok(a.sign === 1 || a.sign === -1);
    assert.equal(Math.sign(a.value - a.expected), a.sign);
    const i = gen.ids.indexOf(a.series);
    assert.ok(Math.abs(Math.abs(a.value - a.expected) - 8 * a.sigma) < 1e-9 * Math.abs(a.expected), 'size = anomalySigma × σ');
    assert.equal(a.sigma, gen.describe(i).sigma);
    assert.ok(Math.abs(a.expected - gen.expectedAt(i, a.ts)) <= 1e-12 * Math.abs(a.expected), 'expected = the clean value');
    const k = (a.ts - T0) / 1000;
    assert.ok(k >= warmup, `anomaly at sample ${k} of ${a.series}, inside the warm-up of ${warmup}`);
    const prev = last.get(a.series);
    if (prev !== undefined) assert.ok(k - prev > 20, `two anomalies of ${a.series} ${k - prev} samples apart (gap 20)`);
    last.set(a.series, k);
    if (a.sign === 1) spikes++;
  }
  const share = spikes / gen.anomalies.length;
  assert.ok(share > 0.35 && share < 0.65, `spikes are ${share} of anomalies`);
});

test('the anomaly rate is as configured (no gap: rate × samples past warm-up)', () => {
  const rate = 0.005;
  const warmup = 100;
  const { gen } = draw({ series: 100, seed: 9, startTs: T0, anomalyRate: rate, warmup, anomalyGap: 0 }, 100 * 2100);
  const expected = rate * 100 * (2100 - warmup); // 1000; σ of the count ≈ 32
  assert.ok(Math.abs(gen.anomalies.length - expected) < 130, `${gen.anomalies.length} anomalies, expected about ${expected}`);
  const none = draw({ series: 100, seed: 9, startTs: T0, anomalyRate: 0 }, 100 * 300).gen;
  assert.equal(none.anomalies.length, 0);
});

test('the noise of a series does not depend on the anomaly rate', () => {
  const calm = draw({ series: 10, seed: 2, startTs: T0 }, 10 * 500);
  const busy = draw({ series: 10, seed: 2, startTs: T0, anomalyRate: 0.05, warmup: 20 }, 10 * 500);
  const anomalous = new Set(busy.gen.anomalies.map((a) => `${a.series}@${a.ts}`));
  assert.ok(anomalous.size > 50);
  for (let j = 0; j < calm.values.length; j++) {
    if (anomalous.has(`${busy.gen.ids[busy.series[j]!]}@${busy.ts[j]}`)) continue;
    assert.equal(busy.values[j], calm.values[j]);
  }
});

test('options are checked, and messages name the option, the value and its type', () => {
  assert.throws(() => new TelemetryGenerator({ series: 0 }), /Expected `series` to be an integer from 1 to 4294967295, got 0 \(number\)/);
  assert.throws(
    () => new TelemetryGenerator({ series: 1, anomalyRate: 1.5 }),
    /Expected `anomalyRate` to be a finite number in \[0, 1\], got 1\.5 \(number\)/,
  );
  assert.throws(() => new TelemetryGenerator({ series: 1, intervalMs: 0.5 }), /`intervalMs` to be an integer from 1 and up, got 0\.5/);
  assert.throws(() => new TelemetryGenerator({ series: 1, anomalySigma: Number.NaN }), /`anomalySigma` to be a finite number ≥ 0, got NaN/);
  assert.throws(() => new TelemetryGenerator({ series: 1, startTs: '1' as unknown as number }), /`startTs` .* got "1" \(string\)/);
});
