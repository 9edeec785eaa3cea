import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/index.js';
import { kafkaConnection } from '../../src/kafka/connection.js';
import { Worker } from '../../src/kafka/worker.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { encodeCompact } from '../../src/codec/samples.js';
import { LOCAL_SASL_USER, LOCAL_SASL_PASSWORD } from '../../src/broker/index.js';
import { withTimeout } from '../support/kafka.js';
import { alertReader, ensureTopic, freshNames, sendRecords, topicOverrides, waitUntil, WorkerProcess } from '../support/worker.js';

test('defaults: no TLS, no SASL, nothing passed to kafkajs', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.kafka.ssl, false);
  assert.equal(c.kafka.sasl, null);
  assert.deepEqual(kafkaConnection(c.kafka), {});
});

test('TLS with PEM files and SCRAM credentials from the environment reach kafkajs', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const c = loadConfig({
    env: { SIGMAWATCH_KAFKA__SASL__PASSWORD: 's3cret' },
    overrides: { 'kafka.ssl': `{ca: ${ca}}`, 'kafka.sasl.mechanism': 'scram-sha-512', 'kafka.sasl.username': 'sigmawatch' },
  });
  const conn = kafkaConnection(c.kafka);
  assert.deepEqual(conn.ssl, { rejectUnauthorized: true, ca: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'] });
  assert.deepEqual(conn.sasl, { mechanism: 'scram-sha-512', username: 'sigmawatch', password: 's3cret' });
  assert.equal(kafkaConnection(loadConfig({ env: {}, overrides: { 'kafka.ssl': true } }).kafka).ssl, true);
});

test('SASL without credentials and a missing PEM file are config errors naming the key; the password is never echoed', () => {
  let err: unknown;
  try {
    loadConfig({ env: {}, overrides: { 'kafka.sasl.mechanism': 'plain', 'kafka.ssl': '{ca: /nonexistent/ca.pem}' } });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  assert.match(err.message, /kafka\.sasl\.username must be set when sasl\.mechanism is plain/);
  assert.match(err.message, /kafka\.sasl\.password must be set when sasl\.mechanism is plain/);
  assert.match(err.message, /kafka\.ssl\.ca .*no such file/);
  assert.throws(
    () => loadConfig({ env: {}, overrides: { 'kafka.sasl.mechanism': 'gssapi', 'kafka.sasl.password': 'hunter2' } }),
    (e: Error) => /kafka\.sasl\.mechanism/.test(e.message) && !e.message.includes('hunter2'),
  );
});

/** The local broker's SASL/PLAIN listener (set by `npm test`); fails, never skips, without it. */
function requireSaslBrokers(): string {
  const b = process.env.KAFKA_SASL_BROKERS ?? '';
  if (b === '')
    throw new Error('KAFKA_SASL_BROKERS is not set: run the suite with `npm test`, whose local broker has a SASL/PLAIN listener');
  return b;
}

test('SASL/PLAIN against the real broker: the worker authenticates and detects; a wrong password stops start-up', async (t) => {
  const sasl = requireSaslBrokers();
  const names = freshNames('worker-sasl');
  await ensureTopic(names.metrics, 1);
  const auth = { 'kafka.sasl.mechanism': 'plain', 'kafka.sasl.username': LOCAL_SASL_USER, 'kafka.sasl.password': LOCAL_SASL_PASSWORD };
  const config = loadConfig({ env: {}, overrides: { ...topicOverrides(names, 1), ...auth, 'kafka.brokers': sasl } });
  const metrics = createMetrics();
  const worker = new Worker({ config, brokers: [sasl], logger: createLogger({ level: 'silent' }), metrics });
  await withTimeout(worker.start(), 30_000, 'starting the SASL worker');
  t.after(() => worker.stop());
  await waitUntil(() => worker.ready().ok && worker.assignedPartitions() > 0, 30_000, 'the SASL worker to join');
  const alerts = await alertReader(names.alerts).start();
  t.after(() => alerts.close());
  const T0 = Date.UTC(2026, 10, 4);
  await sendRecords(
    names.metrics,
    Array.from({ length: 40 }, (_, i) => ({ key: 'login_rate', value: encodeCompact(T0 + i * 1000, i === 35 ? 90 : 10 + (i % 2)) })),
  );
  await alerts.waitFor(
    (items) => items.some((a) => a.status === 'firing' && a.ts === T0 + 35_000),
    30_000,
    'the alert through the SASL listener',
  );

  const wrong = new WorkerProcess({
    ...topicOverrides(freshNames('worker-sasl-bad'), 1),
    ...auth,
    'kafka.sasl.password': 'wrong',
    'kafka.brokers': sasl,
  });
  t.after(() => wrong.dispose());
  const { code } = await wrong.exited;
  assert.equal(code, 1);
  assert.match(JSON.stringify(wrong.logs.filter((l) => l.level === 60)), /SASL|[Aa]uthentication/);
});
