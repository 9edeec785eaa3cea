import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../src/observe/metrics.js';
import { OUTCOME_NAMES } from '../../src/core/outcome.js';

const NAMES = [
  'sigmawatch_samples_total',
  'sigmawatch_records_total',
  'sigmawatch_dead_letters_total',
  'sigmawatch_alerts_total',
  'sigmawatch_transitions_total',
  'sigmawatch_flaps_total',
  'sigmawatch_alerts_firing',
  'sigmawatch_active_series',
  'sigmawatch_refused_series_total',
  'sigmawatch_evicted_series_total',
  'sigmawatch_batch_duration_seconds',
  'sigmawatch_sample_to_alert_latency_seconds',
  'sigmawatch_consumer_lag',
  'sigmawatch_rebalances_total',
  'sigmawatch_assigned_partitions',
  'sigmawatch_alert_samples_ahead_total',
  'sigmawatch_alert_duration_seconds',
];

/** The `# HELP` line of a family (prom-client keeps `_total` in counter family names). */
function helpLine(text: string, name: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(`# HELP ${name} `));
}

test('every sigmawatch metric is registered with HELP and TYPE lines', async () => {
  const m = createMetrics();
  const text = await m.registry.metrics();
  for (const name of NAMES) {
    const help = helpLine(text, name);
    assert.ok(help, `HELP for ${name}`);
    assert.ok(help.length > `# HELP ${name} `.length + 10, `non-trivial HELP for ${name}`);
    assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
  }
  assert.match(text, /^# TYPE sigmawatch_batch_duration_seconds histogram$/m);
  assert.match(text, /^# TYPE sigmawatch_consumer_lag gauge$/m);
  // Default process metrics are there too.
  assert.match(text, /^process_cpu_user_seconds_total /m);
  assert.match(text, /^nodejs_heap_size_used_bytes /m);
});

test('sample outcomes are exported at 0 before any sample', async () => {
  const m = createMetrics();
  const text = await m.registry.metrics();
  for (const outcome of OUTCOME_NAMES) {
    assert.match(text, new RegExp(`^sigmawatch_samples_total\\{outcome="${outcome}"\\} 0$`, 'm'));
  }
});

test('counters, gauges and histograms record what they are given', async () => {
  const m = createMetrics();
  const scored = m.samples.labels('scored'); // bound once, as the hot path should
  scored.inc(120);
  scored.inc(5);
  m.records.inc(3);
  m.alerts.labels('cpu_spike', 'page', 'firing').inc();
  m.transitions.inc({ rule: 'cpu_spike', reason: 'fired' });
  m.alertsFiring.labels('cpu_spike').set(2);
  m.consumerLag.labels('metrics', '4').set(1234);
  m.batchDuration.observe(0.0003);
  m.sampleToAlertLatency.observe(0.2);

  const text = await m.registry.metrics();
  assert.match(text, /^sigmawatch_samples_total\{outcome="scored"\} 125$/m);
  assert.match(text, /^sigmawatch_samples_total\{outcome="learning"\} 0$/m);
  assert.match(text, /^sigmawatch_records_total 3$/m);
  assert.match(text, /^sigmawatch_alerts_total\{rule="cpu_spike",severity="page",status="firing"\} 1$/m);
  assert.match(text, /^sigmawatch_transitions_total\{rule="cpu_spike",reason="fired"\} 1$/m);
  assert.match(text, /^sigmawatch_alerts_firing\{rule="cpu_spike"\} 2$/m);
  assert.match(text, /^sigmawatch_consumer_lag\{topic="metrics",partition="4"\} 1234$/m);
  assert.match(text, /^sigmawatch_batch_duration_seconds_bucket\{le="0.0001"\} 0$/m);
  assert.match(text, /^sigmawatch_batch_duration_seconds_bucket\{le="0.0005"\} 1$/m);
  assert.match(text, /^sigmawatch_batch_duration_seconds_bucket\{le="5"\} 1$/m);
  assert.match(text, /^sigmawatch_sample_to_alert_latency_seconds_bucket\{le="0.001"\} 0$/m);
  assert.match(text, /^sigmawatch_sample_to_alert_latency_seconds_bucket\{le="60"\} 1$/m);
  assert.match(text, /^sigmawatch_sample_to_alert_latency_seconds_count 1$/m);
});

test('each createMetrics() has its own registry', async () => {
  const a = createMetrics();
  const b = createMetrics();
  assert.notEqual(a.registry, b.registry);
  a.records.inc(7);
  assert.match(await a.registry.metrics(), /^sigmawatch_records_total 7$/m);
  assert.match(await b.registry.metrics(), /^sigmawatch_records_total 0$/m);
});
