import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

test('run without brokers refuses to start (exit 2) and says how to configure them; it never starts a broker by surprise', async () => {
  const r = await runCli(['run'], { env: { KAFKA_BROKERS: '', SIGMAWATCH_KAFKA_BROKERS: '' } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no Kafka brokers configured: set kafka\.brokers .* or KAFKA_BROKERS .*--local-broker/);
  assert.doesNotMatch(r.stderr + r.stdout, /starting|Maven|broker \d/i);
});
