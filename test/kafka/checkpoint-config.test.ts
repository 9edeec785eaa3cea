/** The checkpoint section and kafka.topics.changelog: defaults, both spellings of the interval, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configToInput } from '../../src/config/to-input.js';
import { errorLines, load } from '../config/helpers.js';

test('checkpoints are on by default: every 60 s, restores bounded by 30 s, changelog <metrics>.changelog', () => {
  const c = load();
  assert.deepEqual(c.checkpoint, { enabled: true, interval: { ms: 60_000 }, restoreTimeoutMs: 30_000 });
  assert.equal(c.kafka.topics.changelog, 'sigmawatch.metrics.changelog');
  assert.equal(load({ overrides: { 'kafka.topics.metrics': 'm' } }).kafka.topics.changelog, 'm.changelog');
  assert.equal(load({ overrides: { 'kafka.topics.changelog': 'state' } }).kafka.topics.changelog, 'state');
});

test('checkpoint.interval is a number of records or a duration', () => {
  assert.deepEqual(load({ overrides: { 'checkpoint.interval': 50000 } }).checkpoint.interval, { records: 50000 });
  assert.deepEqual(load({ overrides: { 'checkpoint.interval': '5m' } }).checkpoint.interval, { ms: 300_000 });
  for (const bad of [0, 1.5, 'soon', '0s']) {
    assert.deepEqual(
      errorLines({ overrides: { 'checkpoint.interval': bad } }).map((l) => l.replace(/, got .*/, '')),
      [
        '--set checkpoint.interval: checkpoint.interval must be a number of records (an integer ≥ 1) or a duration like 250ms, 30s, 5m, 1h30m (units w, d, h, m, s, ms)',
      ],
    );
  }
  assert.match(errorLines({ overrides: { 'kafka.topics.changelog': 'a b' } })[0]!, /kafka\.topics\.changelog must be a Kafka topic name/);
});

test('the configuration printed back loads to the same checkpoint settings', () => {
  for (const interval of [1000, '90s']) {
    const c = load({ overrides: { 'checkpoint.interval': interval, 'checkpoint.enabled': false } });
    const input = configToInput(c) as { checkpoint: unknown; kafka: { topics: unknown } };
    assert.deepEqual(input.checkpoint, {
      enabled: false,
      interval: typeof interval === 'number' ? interval : '1m30s',
      restore_timeout: '30s',
    });
  }
});
