import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { runCli } from '../support/cli.js';

test('sigmawatch config prints the resolved configuration with the SASL password masked', async () => {
  const r = await runCli(
    ['config', '--set', 'kafka.sasl.mechanism=plain', '--set', 'kafka.sasl.username=svc', '--set', 'rules[0].for=5m'],
    {
      env: { SIGMAWATCH_KAFKA__SASL__PASSWORD: 'hunter2', KAFKA_BROKERS: '' },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes('hunter2'), 'the password is never printed');
  const c = parse(r.stdout) as { kafka: { sasl: { password: string } }; alerts: { flap_window: string }; rules: Array<{ for: string }> };
  assert.equal(c.kafka.sasl.password, '********');
  assert.equal(c.alerts.flap_window, '5m');
  assert.equal(c.rules[0]!.for, '5m');
});

test('what sigmawatch config prints is a configuration that loads to the same configuration', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'source.yaml');
  writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  // The password is masked in the output, so it comes from the environment both times.
  const env = { KAFKA_BROKERS: '', SIGMAWATCH_KAFKA__SASL__PASSWORD: 'pw' };
  writeFileSync(
    source,
    [
      `kafka: {brokers: [k1:9092, k2:9092], ssl: {ca: ${join(dir, 'ca.pem')}, reject_unauthorized: false}, sasl: {mechanism: scram-sha-512, username: svc}}`,
      'store: {idle_timeout: 90m}',
      'relay: {alertmanagers: [http://am1:9093, http://am2:9093/prefix], resend_interval: 30s, firing_timeout: 2h, batch_size: 64, generator_url: "http://prom:9090/graph?g0.expr="}',
      'checkpoint: {interval: 5000}',
      'rules:',
      '  - name: api',
      '    match: {name: http_requests_total, labels: {env: prod}, selector: \'{code=~"5..",path!="/health\\\\\\"x"}\'}',
      '    severities: [{severity: warning, z: 6}, {severity: critical, z: 12}]',
      '    for: 2m',
      '    keep_firing_for: 7',
      '    repeat: 1h',
      '    escalate: [{after: 1h, severity: page}, {after: 15m, severity: critical}]',
      '    likelihood: false',
      '    seasonality: {buckets: 48}',
      '    labels: {team: web}',
      '    annotations: {summary: "{{ value }} at {{ labels.env }}"}',
      '  - name: checkout-slo',
      '    kind: slo',
      '    objective: 0.999',
      '    errors: \'http_requests_total{code=~"5.."}\'',
      '    total: http_requests_total',
      '    group_by: [service]',
      '    for: 2m',
      '    escalate: [{after: 30m, severity: page}]',
      '  - {name: availability, kind: slo, objective: 0.99, good: ok_total, total: all_total, step: 30s, windows: [{long: 2h, short: 10m, burn: 3, severity: warning}]}',
      '  - {name: rest, memory: 0, window: 240, direction: up}',
      '',
    ].join('\n'),
  );
  const printed = await runCli(['config', '--config', source], { env });
  assert.equal(printed.code, 0, printed.stderr);
  const again = join(dir, 'printed.yaml');
  writeFileSync(again, printed.stdout);
  const reprinted = await runCli(['config', '--config', again], { env });
  assert.equal(reprinted.code, 0, reprinted.stderr);
  assert.equal(reprinted.stdout, printed.stdout);
  const original = loadConfig({ file: source, env });
  const roundTripped = loadConfig({ file: again, env });
  assert.deepEqual(roundTripped, original);
});

test('sigmawatch config exits 2 listing every problem', async () => {
  const r = await runCli(['config', '--set', 'rules[0].z=-1', '--set', 'http.port=99999']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /rules\[0\]\.z must be a number > 0, got -1/);
  assert.match(r.stderr, /http\.port must be an integer from 0 to 65535/);
});
