/**
 * The relay against a real Alertmanager and the real broker: what Alertmanager shows, how it
 * groups, inhibits, silences and resolves the relay's alerts, as seen through its API and at a
 * webhook receiver the test runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alertmanagerBinary,
  describeNotifications,
  startAlertmanager,
  startWebhook,
  type AmAlertStatus,
  type Notification,
} from '../support/alertmanager.js';
import { waitUntil } from '../support/worker.js';
import { alertEvent, amConfig, metricValue, produceEvents, relayConfig, resolution, startRelay } from './helpers.js';
import type { RelayService } from '../../src/relay/service.js';

const instances = (alerts: ReadonlyArray<{ labels: Record<string, string> }>): string[] =>
  alerts.map((a) => a.labels.instance ?? '?').sort();

/** Waits until the relay has sent `n` more alerts to `target` (each resend interval sends them all). */
async function resends(relay: RelayService, target: string, n: number): Promise<void> {
  const before = await metricValue(relay.metrics.sent, { target });
  await waitUntil(
    async () => (await metricValue(relay.metrics.sent, { target })) >= before + n,
    20_000,
    `${n} more alerts sent to ${target}`,
  );
}

test('alerts on the alerts topic appear in Alertmanager with their labels, annotations, times and generatorURL', async (t) => {
  const am = await startAlertmanager(t, amConfig(null));
  const { config, names } = relayConfig('relay-labels', [am.url], { 'relay.generator_url': 'http://prometheus.example/graph?g0.expr=' });
  await startRelay(t, config);
  const a = alertEvent({
    rule: 'latency',
    severity: 'critical',
    labels: { job: 'api', team: 'web' },
    annotations: { summary: 'latency 2 is 35σ above 0.25' },
  });
  const b = alertEvent({ rule: 'errors', name: 'http_errors_total', labels: { job: 'api' } });
  await produceEvents(names.alerts, [a, b]);

  const alerts = await am.waitForAlerts((as) => as.length === 2, 20_000, 'both alerts in Alertmanager');
  const la = alerts.find((x) => x.labels.alertname === 'latency')!;
  const lb = alerts.find((x) => x.labels.alertname === 'errors')!;
  assert.deepEqual(la.labels, {
    alertname: 'latency',
    severity: 'critical',
    __name__: 'http_request_duration_seconds',
    job: 'api',
    team: 'web',
  });
  assert.deepEqual(lb.labels, { alertname: 'errors', severity: 'warning', __name__: 'http_errors_total', job: 'api' });
  assert.deepEqual(la.annotations, { summary: 'latency 2 is 35σ above 0.25' });
  assert.equal(Date.parse(la.startsAt), a.startsAt);
  assert.equal(la.generatorURL, `http://prometheus.example/graph?g0.expr=${encodeURIComponent(a.series)}`);
  assert.equal(la.status.state, 'active');
  // endsAt = send time + 4 × the 1 s resend interval, refreshed by every re-send.
  const endsIn = Date.parse(la.endsAt) - Date.now();
  assert.ok(endsIn > 0 && endsIn <= 4_000, `endsAt ${la.endsAt} is ${endsIn} ms away`);
});

test('group_by alertname folds 10 series’ alerts into one notification, and re-sends do not notify again', async (t) => {
  const hook = await startWebhook(t);
  const am = await startAlertmanager(
    t,
    amConfig(hook.url, {
      route: { receiver: 'hook', group_by: ['alertname'], group_wait: '2s', group_interval: '1s', repeat_interval: '1h' },
    }),
  );
  const { config, names } = relayConfig('relay-group', [am.url]);
  const relay = await startRelay(t, config);
  const events = Array.from({ length: 10 }, (_, i) => alertEvent({ rule: 'latency', labels: { instance: `host-${i}`, service: 'api' } }));
  await produceEvents(names.alerts, events);

  await hook.waitFor((n) => n.length >= 1, 30_000, 'the group notification');
  await resends(relay, am.url, 30); // three re-sends of the group, over several group_intervals
  assert.equal(hook.notifications.length, 1, describeNotifications(hook.notifications));
  const [n] = hook.notifications as [Notification];
  assert.equal(n.status, 'firing');
  assert.deepEqual(n.groupLabels, { alertname: 'latency' });
  assert.deepEqual(instances(n.alerts), events.map((e) => e.labels.instance!).sort());
});

test('an inhibition rule (critical mutes warning of the same service) and a silence made through the API both hold', async (t) => {
  const hook = await startWebhook(t);
  const inhibit = {
    inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['service'] }],
  };
  const am = await startAlertmanager(t, amConfig(hook.url, inhibit));
  const silenceId = await am.silence({ service: 'web' }, 'web is being deployed');
  const { config, names } = relayConfig('relay-mute', [am.url]);
  const relay = await startRelay(t, config);
  const x = alertEvent({ rule: 'saturation', severity: 'critical', labels: { service: 'api', instance: 'x' } });
  const y = alertEvent({ rule: 'latency', labels: { service: 'api', instance: 'y' } }); // inhibited by x
  const z = alertEvent({ rule: 'latency', labels: { service: 'web', instance: 'z' } }); // silenced
  const w = alertEvent({ rule: 'latency', labels: { service: 'db', instance: 'w' } }); // neither: notified
  await produceEvents(names.alerts, [x, y, z, w]);

  const state = (as: AmAlertStatus[], i: string) => as.find((a) => a.labels.instance === i)?.status;
  const alerts = await am.waitForAlerts(
    (as) => as.length === 4 && state(as, 'y')?.inhibitedBy.length === 1 && state(as, 'z')?.silencedBy.length === 1,
    20_000,
    'y inhibited and z silenced',
  );
  assert.deepEqual(state(alerts, 'y'), {
    state: 'suppressed',
    inhibitedBy: [alerts.find((a) => a.labels.instance === 'x')!.fingerprint],
    silencedBy: [],
  });
  assert.deepEqual(state(alerts, 'z'), { state: 'suppressed', inhibitedBy: [], silencedBy: [silenceId] });
  assert.equal(state(alerts, 'x')?.state, 'active');
  assert.equal(state(alerts, 'w')?.state, 'active');

  const notified = (n: Notification[]) => n.flatMap((x) => x.alerts.map((a) => a.labels.instance!));
  await hook.waitFor((n) => notified(n).includes('x') && notified(n).includes('w'), 30_000, 'x and w notified');
  await resends(relay, am.url, 12); // three more re-sends: still muted
  assert.deepEqual([...new Set(notified(hook.notifications))].sort(), ['w', 'x'], describeNotifications(hook.notifications));
});

test('a resolved alert resolves in Alertmanager and at the receiver', async (t) => {
  const hook = await startWebhook(t);
  const am = await startAlertmanager(t, amConfig(hook.url));
  const { config, names } = relayConfig('relay-resolve', [am.url]);
  const relay = await startRelay(t, config);
  const a = alertEvent({ rule: 'latency', labels: { instance: 'a' } });
  const b = alertEvent({ rule: 'latency', labels: { instance: 'b' } });
  await produceEvents(names.alerts, [a, b]);
  await hook.waitFor((n) => n.some((x) => x.status === 'firing' && x.alerts.length === 2), 30_000, 'the firing notification');

  await produceEvents(names.alerts, [resolution(a)]);
  await am.waitForAlerts((as) => instances(as).join() === 'b', 20_000, 'a no longer active, b still firing');
  await hook.waitFor(
    (n) => n.some((x) => x.alerts.some((y) => y.labels.instance === 'a' && y.status === 'resolved')),
    30_000,
    'a resolved at the receiver',
  );
  assert.deepEqual(relay.relay.held(), { firing: 1, resolved: 1 });
  assert.ok(
    !hook.notifications.some((x) => x.alerts.some((y) => y.labels.instance === 'b' && y.status === 'resolved')),
    'b never resolved',
  );
});

test('the harness fails, naming the package to install, when no Alertmanager is on PATH', () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    assert.throws(
      () => alertmanagerBinary(),
      /Alertmanager is not installed: neither alertmanager nor prometheus-alertmanager is on PATH\. Install the Debian package: apt-get install -y prometheus-alertmanager/,
    );
  } finally {
    process.env.PATH = path;
  }
});
