/**
 * The worker end to end on the real broker: samples in, alert events out, dead letters, rules from
 * a non-trivial rule file. Each test uses fresh topics and a fresh consumer group.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { encodeCompact, encodeCompactPoints, encodeVerbose } from '../../src/codec/samples.js';
import { formatSeriesId } from '../../src/codec/series-id.js';
import { DEAD_LETTER_HEADERS } from '../../src/codec/dead-letter.js';
import { mulberry32, gaussian } from '../support/random.js';
import { withTimeout } from '../support/kafka.js';
import {
  alertReader,
  committedOffsets,
  ensureTopic,
  freshNames,
  sendRecords,
  startWorker,
  testConfig,
  TopicReader,
  waitUntil,
} from '../support/worker.js';

const RULES = new URL('../../../test/fixtures/worker-rules.yaml', import.meta.url).pathname;
const T0 = Date.UTC(2026, 10, 1);
const SEC = 1000;

interface Injected {
  series: string;
  ts: number;
  sign: number;
}

/** `rounds` samples for each series, noise σ=1 around 100, with ±12σ anomalies at the given rounds. */
function samples(series: string[], rounds: number, anomalyRounds: number[], seed: number): { messages: Message[]; injected: Injected[] } {
  const g = gaussian(mulberry32(seed));
  const messages: Message[] = [];
  const injected: Injected[] = [];
  for (let r = 0; r < rounds; r++) {
    series.forEach((s, i) => {
      const ts = T0 + r * SEC;
      let v = 100 + g();
      if (anomalyRounds.includes(r) && i % 3 === r % 3) {
        const sign = (i + r) % 2 === 0 ? 1 : -1;
        v = 100 + sign * 12;
        injected.push({ series: s, ts, sign });
      }
      messages.push({ key: s, value: encodeCompact(ts, v) });
    });
  }
  return { messages, injected };
}

test('injected spikes and dips alert with the right series, value and sign; noise stays quiet', async (t) => {
  const names = freshNames('worker-detect');
  await ensureTopic(names.metrics, 3);
  const config = testConfig(names, 3, {}, RULES);
  const { stop } = await startWorker(config);
  t.after(stop);
  const reader = await alertReader(names.alerts).start();
  t.after(() => reader.close());

  const series = Array.from({ length: 30 }, (_, i) => formatSeriesId('http_latency_seconds', { host: `web-${i}`, service: 'checkout' }));
  const { messages, injected } = samples(series, 200, [150, 175], 1);
  await sendRecords(names.metrics, messages);

  const caught = (items: typeof reader.items) =>
    injected.every((x) => items.some((a) => a.status === 'firing' && a.series === x.series && a.ts === x.ts));
  await reader.waitFor(caught, 60_000, `alerts for all ${injected.length} injected anomalies`);
  for (const x of injected) {
    const a = reader.items.find((e) => e.status === 'firing' && e.series === x.series && e.ts === x.ts)!;
    assert.equal(Math.sign(a.z), x.sign, `sign of z for ${x.series} at ${x.ts}`);
    assert.equal(a.value, 100 + x.sign * 12);
    assert.equal(a.rule, 'latency');
    assert.equal(a.labels.team, 'payments', 'rule labels are added');
    assert.match(a.annotations.summary!, /^http_latency_seconds on web-\d+ is -?[\d.]+σ from normal$/);
  }
  // z = 5: a Gaussian breaches with p ≈ 5.7e-7 per sample, so noise must give (almost) nothing.
  const falseAlarms = reader.items.filter((a) => a.reason === 'fired' && !injected.some((x) => x.series === a.series && x.ts === a.ts));
  assert.ok(falseAlarms.length <= 1, `false alarms on noise: ${JSON.stringify(falseAlarms.map((a) => [a.series, a.z]))}`);
});

test('poison records go to the dead-letter topic with their reason; the good records around them are processed', async (t) => {
  const names = freshNames('worker-poison');
  await ensureTopic(names.metrics, 1);
  const { stop, metrics } = await startWorker(testConfig(names, 1));
  t.after(stop);
  const alerts = await alertReader(names.alerts).start();
  t.after(() => alerts.close());
  await ensureTopic(names.deadLetter, 1);
  const dlq = await new TopicReader(names.deadLetter, (m) => ({
    key: m.key?.toString() ?? null,
    reason: String(m.headers[DEAD_LETTER_HEADERS.reason]),
    offset: String(m.headers[DEAD_LETTER_HEADERS.sourceOffset]),
    topic: String(m.headers[DEAD_LETTER_HEADERS.sourceTopic]),
  })).start();
  t.after(() => dlq.close());

  const good = 'queue_depth{queue="jobs"}';
  const messages: Message[] = [];
  const poison: Array<[Message, string]> = [
    [{ key: good, value: Buffer.from('not msgpack at all') }, 'bad_shape'],
    [{ key: null, value: encodeCompact(T0, 1) }, 'missing_key'],
    [{ key: good, value: encodeCompact(T0, NaN) }, 'non_finite_value'],
    [
      { key: 'other{a="1"}', value: encodeVerbose({ name: 'queue_depth', labels: { queue: 'jobs' }, ts: T0, value: 1 }, 'json') },
      'key_mismatch',
    ],
    [{ key: 'bad{key', value: encodeCompact(T0, 1) }, 'bad_key'],
    [{ key: good, value: encodeCompact(T0, 1e300) }, 'value_out_of_range'],
  ];
  for (let i = 0; i < 60; i++) {
    messages.push({ key: good, value: encodeCompact(T0 + i * SEC, i === 50 ? 500 : 10 + (i % 2)) });
    if (i % 8 === 3 && poison.length > 0) messages.push(poison.shift()![0]);
  }
  const expectedReasons = ['bad_shape', 'missing_key', 'non_finite_value', 'key_mismatch', 'bad_key', 'value_out_of_range'];
  await sendRecords(names.metrics, messages);
  await dlq.waitFor((items) => items.length >= expectedReasons.length, 30_000, 'dead letters');
  await alerts.waitFor((items) => items.some((a) => a.ts === T0 + 50 * SEC && a.status === 'firing'), 30_000, 'the alert after the poison');
  assert.deepEqual(
    dlq.items.map((d) => d.reason),
    expectedReasons,
  );
  assert.ok(dlq.items.every((d) => d.topic === names.metrics && /^\d+$/.test(d.offset)));
  const dlqMetric = await metrics.deadLetters.get();
  assert.equal(
    dlqMetric.values.reduce((s, v) => s + v.value, 0),
    expectedReasons.length,
  );
});

test('multi-point records are scored point by point', async (t) => {
  const names = freshNames('worker-multi');
  await ensureTopic(names.metrics, 1);
  const { stop } = await startWorker(testConfig(names, 1));
  t.after(stop);
  const alerts = await alertReader(names.alerts).start();
  t.after(() => alerts.close());
  const key = 'disk_io{dev="sda"}';
  const points: Array<[number, number]> = Array.from({ length: 100 }, (_, i) => [T0 + i * SEC, i === 77 ? -400 : 50 + (i % 5)]);
  const messages: Message[] = [];
  for (let i = 0; i < points.length; i += 10) messages.push({ key, value: encodeCompactPoints(points.slice(i, i + 10)) });
  await sendRecords(names.metrics, messages);
  await alerts.waitFor((items) => items.some((a) => a.status === 'firing'), 30_000, 'the dip inside a multi-point record');
  const fired = alerts.items.find((a) => a.status === 'firing')!;
  assert.equal(fired.ts, T0 + 77 * SEC);
  assert.ok(fired.z < 0);
  void withTimeout;
});

test('an alert storm larger than one produce request (3,000 series firing at once) is published whole', async (t) => {
  const names = freshNames('worker-storm');
  await ensureTopic(names.metrics, 1);
  // Eleven samples then a spike: scored from the tenth sample on (the default min_samples is 30).
  const { stop } = await startWorker(testConfig(names, 1, { 'rules[0].min_samples': 10 }));
  t.after(stop);
  const alerts = await alertReader(names.alerts).start();
  t.after(() => alerts.close());
  const series = Array.from({ length: 3000 }, (_, i) =>
    formatSeriesId('pod_restarts', { pod: `pod-${i}`, namespace: 'checkout-production' }),
  );
  const messages: Message[] = [];
  for (let r = 0; r < 12; r++) for (const s of series) messages.push({ key: s, value: encodeCompact(T0 + r * SEC, r === 11 ? 50 : r % 2) });
  await sendRecords(names.metrics, messages);
  await alerts.waitFor(
    (items) => items.filter((a) => a.status === 'firing').length >= series.length,
    60_000,
    'all 3,000 alerts of the storm',
  );
  assert.equal(new Set(alerts.items.filter((a) => a.status === 'firing').map((a) => a.series)).size, series.length);
});

test('store.max_series bounds the whole worker: its partitions share it, and refused samples are counted per partition', async (t) => {
  const names = freshNames('worker-series-budget');
  await ensureTopic(names.metrics, 3);
  const { worker, metrics, stop } = await startWorker(testConfig(names, 3, { 'store.max_series': 10, 'checkpoint.enabled': false }));
  t.after(stop);
  // 40 series spread over the 3 partitions by the default partitioner, one sample each.
  const series = Array.from({ length: 40 }, (_, i) => formatSeriesId('jobs_queued', { queue: `q${i}` }));
  await sendRecords(
    names.metrics,
    series.map((s) => ({ key: s, value: encodeCompact(T0, 1) })),
  );
  await waitUntil(
    async () =>
      [...(await committedOffsets(names.group, names.metrics)).values()].reduce((a, b) => a + Math.max(0, b), 0) === series.length,
    30_000,
    'every record committed',
  );
  assert.equal(worker.seriesCount(), 10, 'the worker holds store.max_series series in all, not per partition');
  const refused = (await metrics.refusedSeries.get()).values;
  assert.equal(
    refused.reduce((sum, v) => sum + v.value, 0),
    30,
  );
  assert.ok(refused.length >= 2, `refused samples by partition: ${JSON.stringify(refused.map((v) => v.labels))}`);
  assert.ok(refused.every((v) => /^[0-2]$/.test(String(v.labels.partition))));
});
