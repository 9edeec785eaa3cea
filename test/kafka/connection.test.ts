import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/index.js';
import { kafkaConnection } from '../../src/kafka/connection.js';

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
