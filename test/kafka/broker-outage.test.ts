/**
 * A broker outage longer than the session timeout, then the broker back: the worker recovers by
 * itself (its consumer restarts and rejoins), /healthz stays truthful and passes, and alerts flow
 * again. The outage is a frozen broker process (SIGSTOP, then SIGCONT): to its clients, a broker
 * that stopped answering. It runs on a broker of its own, started for this test only, so that the
 * outage disturbs no other test (the shared broker of the run stays up).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { startLocalBroker } from '../../src/broker/index.js';
import { encodeCompact } from '../../src/codec/samples.js';
import type { AlertEvent } from '../../src/codec/alerts.js';
import { loadConfig } from '../../src/config/index.js';
import { Worker } from '../../src/kafka/worker.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { withTimeout } from '../support/kafka.js';
import { freshNames, topicOverrides, waitUntil } from '../support/worker.js';

const T0 = Date.UTC(2026, 10, 4);
const SEC = 1000;
const SESSION_TIMEOUT_MS = 6000; // topicOverrides

/** 60 samples of `series`, a spike at the 50th. */
const spiky = (series: string): Message[] =>
  Array.from({ length: 60 }, (_, i) => ({ key: series, value: encodeCompact(T0 + i * SEC, i === 50 ? 500 : 10 + (i % 2)) }));

test('a broker frozen for longer than the session timeout: the worker recovers by itself, /healthz passes, alerts flow again', async (t) => {
  const broker = await startLocalBroker({ heap: '384m' });
  let frozen = false;
  let worker: Worker | undefined;
  // One hook, in order (node runs after-hooks in the order they were added): thaw the broker,
  // stop the worker while the broker is there to leave the group, then stop the broker.
  t.after(async () => {
    if (frozen) process.kill(broker.pid, 'SIGCONT');
    await withTimeout(worker?.stop() ?? Promise.resolve(), 30_000, 'stopping the worker').finally(() => broker.stop());
  });
  const names = freshNames('worker-broker-outage');
  const config = loadConfig({
    env: { KAFKA_BROKERS: broker.brokers },
    overrides: { ...topicOverrides(names, 1), 'checkpoint.enabled': false },
  });
  const alerts: AlertEvent[] = [];
  let fatal: Error | null = null;
  worker = new Worker({
    config,
    brokers: [broker.brokers],
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    onAlert: (a) => alerts.push(a),
    onFatal: (e) => (fatal = e),
  });
  await withTimeout(worker.start(), 30_000, 'starting the worker');
  await waitUntil(() => worker!.ready().ok && worker!.assignedPartitions() === 1, 30_000, 'the worker to join');

  const kafka = new Kafka({ clientId: 'outage-test', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const send = async (messages: Message[]) => {
    const producer = kafka.producer();
    await withTimeout(producer.connect(), 30_000, 'connecting the producer');
    try {
      await withTimeout(producer.send({ topic: names.metrics, acks: -1, messages }), 60_000, 'producing samples');
    } finally {
      await producer.disconnect();
    }
  };
  await send(spiky('queue_depth{queue="before"}'));
  await waitUntil(() => alerts.some((a) => a.reason === 'fired'), 30_000, 'the alert before the outage');

  process.kill(broker.pid, 'SIGSTOP');
  frozen = true;
  // Two session timeouts without a broker (a bounded observation): waiting on the broker is no
  // reason for a restart.
  const until = Date.now() + 2 * SESSION_TIMEOUT_MS + 2000;
  while (Date.now() < until) {
    assert.equal(worker!.health().ok, true, `liveness during the outage: ${JSON.stringify(worker!.health())}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  process.kill(broker.pid, 'SIGCONT');
  frozen = false;

  await send(spiky('queue_depth{queue="after"}'));
  await waitUntil(
    () => alerts.some((a) => a.reason === 'fired' && a.series === 'queue_depth{queue="after"}'),
    90_000,
    'the alert after the outage',
  );
  await waitUntil(() => worker!.ready().ok, 30_000, '/readyz to pass again');
  assert.equal(worker!.health().ok, true, '/healthz passes after the recovery');
  assert.equal(fatal, null, 'the consumer never crashed for good');
});
