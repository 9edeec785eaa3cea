import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { runCli } from '../support/cli.js';

test('sigmawatch config prints the resolved configuration with the SASL password masked', async () => {
  const r = await runCli(['config', '--set', 'kafka.sasl.mechanism=plain', '--set', 'kafka.sasl.username=svc', '--set', 'rules[0].for=5m'], {
    env: { SIGMAWATCH_KAFKA__SASL__PASSWORD: 'hunter2', KAFKA_BROKERS: '' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes('hunter2'), 'the password is never printed');
  const c = parse(r.stdout) as { kafka: { sasl: { password: string } }; alerts: { flapWindowMs: number }; rules: Array<{ for: { ms: number } }> };
  assert.equal(c.kafka.sasl.password, '********');
  assert.equal(c.alerts.flapWindowMs, 300_000);
  assert.deepEqual(c.rules[0]!.for, { ms: 300_000 });
});

test('sigmawatch config exits 2 listing every problem', async () => {
  const r = await runCli(['config', '--set', 'rules[0].z=-1', '--set', 'http.port=99999']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /rules\[0\]\.z must be a number > 0, got -1/);
  assert.match(r.stderr, /http\.port must be an integer from 0 to 65535/);
});
