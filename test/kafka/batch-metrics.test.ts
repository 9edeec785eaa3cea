/** Metrics of a batch come from the engine's result alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { recordBatch } from '../../src/kafka/batch-metrics.js';
import { encodeCompact } from '../../src/codec/samples.js';
import { makeRule } from '../support/rules.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1);

test('latency is observed for samples behind the clock, counted apart for samples ahead of it; a resolved alert observes its duration', async () => {
  const rules = [makeRule({ name: 'spike', minSamples: 5 })];
  const engine = new Engine({ rules, maxSeries: 10, idleTimeoutMs: Infinity, flapWindowMs: 0, source: { topic: 'm', partition: 0 } });
  engine.begin(0);
  const key = Buffer.from('cpu');
  const values = [10, 11, 10, 11, 10, 11, 500, 10]; // fires at minute 6, resolves at minute 7
  values.forEach((v, i) => engine.process({ key, value: encodeCompact(T0 + i * MIN, v), offset: String(i) }));
  const result = engine.finish();
  assert.deepEqual(
    result.alerts.map((a) => a.event.status),
    ['firing', 'resolved'],
  );
  const m = createMetrics();
  // Acknowledged between the two samples: the firing one is behind the clock, the resolved one ahead.
  recordBatch(m, result, { rules, partition: '0', series: 1, ackedAt: T0 + 6.5 * MIN });
  const latency = (await m.sampleToAlertLatency.get()).values.find(
    (v) => v.metricName === 'sigmawatch_sample_to_alert_latency_seconds_count',
  );
  assert.equal(latency?.value, 1);
  assert.equal((await m.samplesAhead.get()).values[0]?.value, 1);
  const duration = (await m.alertDuration.get()).values.find((v) => v.metricName === 'sigmawatch_alert_duration_seconds_sum');
  assert.equal(duration?.value, 60, 'fired at minute 6, resolved at minute 7');
  assert.equal(duration?.labels.rule, 'spike');
});
