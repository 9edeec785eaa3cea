/**
 * Relay integration helpers: alert events produced to a fresh alerts topic (with chosen record
 * times, to stand for events published long ago), an Alertmanager configuration, and a relay
 * configured for fresh topics and group, started in this process. Event builders and metric
 * values: fixtures.ts (re-exported).
 */
import type { TestContext } from 'node:test';
import { encodeAlert, type AlertEvent } from '../../src/codec/alerts.js';
import type { Config } from '../../src/config/index.js';
import { createLogger } from '../../src/observe/logger.js';
import { RelayService } from '../../src/relay/service.js';
import { kafkaClient, requireBrokers, withTimeout } from '../support/kafka.js';
import { freshNames, testConfig, waitUntil, type TestTopics } from '../support/worker.js';

export { alertEvent, metricValue, resolution, seriesOf, type EventSpec } from './fixtures.js';

/** Produces events keyed by series (acks = all), with record time `timestamp` (default now). */
export async function produceEvents(topic: string, events: readonly AlertEvent[], timestamp?: number): Promise<void> {
  const producer = kafkaClient('sigmawatch-test-alerts').producer();
  await withTimeout(producer.connect(), 15_000, 'connecting the alert producer');
  try {
    const messages = events.map((e) => ({
      key: e.series,
      value: encodeAlert(e, 'json'),
      ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }),
    }));
    await withTimeout(producer.send({ topic, acks: -1, messages }), 30_000, 'producing alert events');
  } finally {
    await producer.disconnect();
  }
}

/** Alertmanager configuration: group by alertname, short waits, the webhook as the receiver (or none). */
export function amConfig(webhook: string | null, extra: Record<string, unknown> = {}): object {
  return {
    route: {
      receiver: webhook === null ? 'none' : 'hook',
      group_by: ['alertname'],
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1h',
    },
    receivers: [webhook === null ? { name: 'none' } : { name: 'hook', webhook_configs: [{ url: webhook, send_resolved: true }] }],
    ...extra,
  };
}

/** Fresh topics and group, the relay pointed at `alertmanagers`, re-sending every second. */
export function relayConfig(
  prefix: string,
  alertmanagers: readonly string[],
  extra: Record<string, unknown> = {},
): { config: Config; names: TestTopics } {
  const names = freshNames(prefix);
  const config = testConfig(names, 3, {
    'relay.alertmanagers': [...alertmanagers],
    'relay.group_id': `${names.group}.relay`,
    'relay.resend_interval': '1s',
    'relay.http_port': 0,
    ...extra,
  });
  return { config, names };
}

/** A relay in this process, started and rebuilt (ready); stopped in `t.after`. */
export async function startRelay(t: TestContext, config: Config): Promise<RelayService> {
  const level = process.env.SIGMAWATCH_TEST_RELAY_LOG === '1' ? 'debug' : 'silent';
  const service = new RelayService({ config, brokers: requireBrokers(), logger: createLogger({ level, name: 'relay-test' }) });
  t.after(() => withTimeout(service.stop(), 30_000, 'stopping the relay'));
  await withTimeout(service.start(), 30_000, 'starting the relay');
  await waitUntil(() => service.ready().ok, 30_000, 'the relay to join its group and rebuild its partitions');
  return service;
}
