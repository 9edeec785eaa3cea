/**
 * `sigmawatch relay` as a process: configuration errors exit 2 naming the key; against the real
 * broker and a real Alertmanager it delivers, serves its metrics and probes, and stops cleanly on
 * SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';
import { freePort, startAlertmanager } from '../support/alertmanager.js';
import { requireBrokers, withTimeout } from '../support/kafka.js';
import { freshNames, ServiceProcess, waitUntil } from '../support/worker.js';
import { alertEvent, amConfig, produceEvents } from './helpers.js';

test('relay without relay.alertmanagers, or with a bad one, exits 2 naming the key', async () => {
  const env = { KAFKA_BROKERS: requireBrokers().join(',') };
  const none = await runCli(['relay'], { env });
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /relay\.alertmanagers must list at least one Alertmanager URL/);
  const bad = await runCli(['relay', '--set', 'relay.alertmanagers=[am:9093]', '--set', 'relay.batch_size=1000'], { env });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /relay\.alertmanagers\[0\] must be an http\(s\) URL such as http:\/\/alertmanager:9093, got "am:9093"/);
  assert.match(bad.stderr, /relay\.batch_size must be an integer from 1 to 256, got 1000/);
});

test('sigmawatch relay delivers, serves /metrics and /readyz, and exits 0 on SIGTERM', async (t) => {
  const am = await startAlertmanager(t, amConfig(null));
  const names = freshNames('relay-cli');
  const port = await freePort();
  const sets = {
    'kafka.topics.alerts': names.alerts,
    'kafka.partitions': 2,
    'relay.alertmanagers': am.url,
    'relay.group_id': names.group,
    'relay.resend_interval': '1s',
    'relay.http_port': port,
  };
  const relay = new ServiceProcess('relay', sets);
  t.after(() => relay.dispose());
  const output = () => [...relay.logs.map((l) => JSON.stringify(l)), ...relay.stderr].join('\n');
  const logged = (msg: string) => relay.logs.some((l) => l.msg === msg);

  await waitUntil(() => logged('relay started'), 60_000, 'the relay to start').catch((e: Error) => {
    throw new Error(`${e.message}; output:\n${output()}`);
  });
  await waitUntil(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
    30_000,
    '/readyz to say ready',
  );
  const e = alertEvent({ rule: 'latency', labels: { instance: 'a' } });
  await produceEvents(names.alerts, [e]);
  await am.waitForAlerts((as) => as.some((a) => a.labels.instance === 'a'), 20_000, 'the alert in Alertmanager');
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /^sigmawatch_relay_firing_alerts 1$/m);
  assert.match(metrics, new RegExp(`^sigmawatch_relay_alerts_sent_total\\{target="${am.url}"\\} [1-9]`, 'm'));

  relay.child.kill('SIGTERM');
  assert.equal((await withTimeout(relay.exited, 20_000, 'the relay to exit after SIGTERM')).code, 0, output());
  assert.ok(logged('relay stopped') && logged('bye'), output());
});
