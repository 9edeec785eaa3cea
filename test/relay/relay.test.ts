/**
 * The relay's handling of a partition without Kafka or Alertmanager: history folded in silently
 * and sent once as a state, live events sent as they come, a rewind asked for once, bad records
 * skipped and counted. The senders are not started, so what the relay queued can be read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAlert, type AlertEvent } from '../../src/codec/alerts.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observe/logger.js';
import { createRelayMetrics } from '../../src/relay/metrics.js';
import { Relay, type RelayRecord } from '../../src/relay/relay.js';
import { alertEvent, metricValue, resolution } from './fixtures.js';

const TARGET = 'http://127.0.0.1:9';

function idleRelay(): Relay {
  const config = loadConfig({ env: {}, overrides: { 'relay.alertmanagers': [TARGET] } });
  return new Relay({ relay: config.relay, metrics: createRelayMetrics([TARGET]), logger: createLogger({ level: 'silent' }) });
}

const record = (offset: number, e: AlertEvent | Buffer, timestamp = Date.now()): RelayRecord => ({
  offset: BigInt(offset),
  timestamp,
  value: Buffer.isBuffer(e) ? e : encodeAlert(e, 'msgpack'),
});

test('history is folded in silently and its state sent once; later events are sent as they come', () => {
  const relay = idleRelay();
  const [target] = relay.targets;
  const a = alertEvent({ rule: 'r', labels: { instance: 'a' } });
  const b = alertEvent({ rule: 'r', labels: { instance: 'b' } });
  relay.assign([{ partition: 0, low: 0n, high: 4n }]);
  assert.equal(relay.ready().ok, false, 'not ready while rebuilding');
  relay.fold(0, [record(0, a), record(1, b)]);
  assert.equal(target!.pending, 0, 'nothing sent before the history is folded in');
  relay.fold(0, [record(2, { ...b, reason: 'repeat' }), record(3, resolution(b))]);
  assert.equal(target!.pending, 2, 'the state once: a firing, b resolved (not each of the 4 events)');
  assert.equal(relay.ready().ok, true);
  relay.fold(0, [record(4, alertEvent({ rule: 'r', labels: { instance: 'c' } }))]);
  assert.equal(target!.pending, 3, 'a live event goes out at once');
  relay.resendAll();
  assert.equal(target!.pending, 3 + 3, 'the resend sends the whole state: a, c firing and b resolved');
  assert.deepEqual(relay.held(), { firing: 2, resolved: 1 });
});

test('an empty partition is rebuilt at once; a new assignment starts every partition from nothing', () => {
  const relay = idleRelay();
  relay.assign([
    { partition: 0, low: 5n, high: 5n },
    { partition: 1, low: 0n, high: 1n },
  ]);
  assert.deepEqual(relay.ready().detail, { assigned: true, partitions: 2, rebuilding: [1] });
  relay.fold(1, [record(0, alertEvent({ rule: 'r' }))]);
  assert.equal(relay.ready().ok, true);
  assert.equal(relay.held().firing, 1);
  relay.assign([{ partition: 1, low: 0n, high: 1n }]);
  assert.deepEqual(relay.held(), { firing: 0, resolved: 0 });
});

test('a partition that does not start from its beginning is rewound, once', () => {
  const relay = idleRelay();
  relay.assign([{ partition: 0, low: 0n, high: 10n }]);
  const late = [record(6, alertEvent({ rule: 'r' }))];
  assert.equal(relay.fold(0, late), 0n, 'seek to the earliest offset');
  assert.equal(relay.held().firing, 0, 'the batch was not folded in');
  assert.equal(relay.fold(0, late), undefined, 'asked once: a gap that remains is the log’s own');
  assert.equal(relay.held().firing, 1);
});

test('records that are not alert events are skipped and counted', async () => {
  const config = loadConfig({ env: {}, overrides: { 'relay.alertmanagers': [TARGET] } });
  const metrics = createRelayMetrics([TARGET]);
  const relay = new Relay({ relay: config.relay, metrics, logger: createLogger({ level: 'silent' }) });
  relay.assign([{ partition: 0, low: 0n, high: 3n }]);
  const bad = { ...alertEvent({ rule: 'r' }), startsAt: Number.NaN };
  relay.fold(0, [
    record(0, Buffer.from('not an alert')),
    record(1, Buffer.from(JSON.stringify(bad))),
    record(2, alertEvent({ rule: 'r' })),
  ]);
  assert.equal(await metricValue(metrics.badEvents), 2);
  assert.equal(await metricValue(metrics.events, { status: 'firing' }), 1);
  assert.equal(relay.ready().ok, true);
});
