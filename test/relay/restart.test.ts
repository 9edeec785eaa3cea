/**
 * Restarts, against a real Alertmanager and the real broker: an Alertmanager that goes away and
 * comes back empty gets every alert again (the relay's queue stays bounded meanwhile, counting
 * what it drops), and a relay that restarts rebuilds its state from the alerts topic, so it
 * neither forgets a firing alert nor resolves one by mistake.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAlertmanager, startWebhook, type Notification } from '../support/alertmanager.js';
import { committedOffsets, ensureTopic, waitUntil } from '../support/worker.js';
import { alertEvent, amConfig, metricValue, produceEvents, relayConfig, resolution, startRelay } from './helpers.js';

const MIN = 60_000;
const instances = (alerts: ReadonlyArray<{ labels: Record<string, string> }>): string =>
  alerts
    .map((a) => a.labels.instance ?? '?')
    .sort()
    .join();

test('an Alertmanager restart loses nothing: the relay keeps retrying, drops the oldest beyond its queue, and re-sends', async (t) => {
  const am = await startAlertmanager(t, amConfig(null));
  const { config, names } = relayConfig('relay-am-restart', [am.url], { 'relay.queue_capacity': 15 });
  const relay = await startRelay(t, config);
  const events = Array.from({ length: 10 }, (_, i) => alertEvent({ rule: 'latency', labels: { instance: `host-${i}` } }));
  await produceEvents(names.alerts, events);
  await am.waitForAlerts((as) => as.length === 10, 20_000, 'the 10 alerts in Alertmanager');

  await am.stop();
  const target = { target: am.url };
  await waitUntil(
    async () => (await metricValue(relay.metrics.sendFailures, target)) > 0 && (await metricValue(relay.metrics.queueDropped, target)) > 0,
    20_000,
    'failed sends and dropped alerts while Alertmanager is down',
  );
  assert.ok((await metricValue(relay.metrics.queueLength, target)) <= 15, 'the queue stays within relay.queue_capacity');
  // Alertmanager keeps alerts in memory only, so what it holds after the restart was sent again.
  // (Its contents cannot be read before the relay's retry lands: the two race once it listens.)
  const sentBeforeRestart = await metricValue(relay.metrics.sent, target);
  await am.start();
  await am.waitForAlerts((as) => as.length === 10 && as.every((a) => a.status.state === 'active'), 20_000, 'all 10 alerts back');
  assert.ok(
    (await metricValue(relay.metrics.sent, target)) >= sentBeforeRestart + 10,
    'the 10 alerts were accepted again by the restarted Alertmanager',
  );
});

test('a restarted relay rebuilds its alerts from the topic: it forgets no firing alert and resolves none by mistake', async (t) => {
  const hook = await startWebhook(t);
  const am = await startAlertmanager(t, amConfig(hook.url));
  const { config, names } = relayConfig('relay-rebuild', [am.url]);
  await ensureTopic(names.alerts, 3);
  // History published before any relay ran (record times in the past).
  const now = Date.now();
  const a = alertEvent({ rule: 'latency', labels: { instance: 'a' }, startsAt: now - 3 * 60 * MIN }); // still firing
  const b = alertEvent({ rule: 'latency', labels: { instance: 'b' }, startsAt: now - 2 * 60 * MIN }); // resolved an hour ago
  const c = alertEvent({ rule: 'latency', labels: { instance: 'c' }, startsAt: now - 10 * MIN }); // resolved 5 min ago
  const d = alertEvent({ rule: 'latency', labels: { instance: 'd' } });
  await produceEvents(names.alerts, [a, b], now - 2 * 60 * MIN);
  await produceEvents(names.alerts, [resolution(b, now - 60 * MIN)], now - 60 * MIN);
  await produceEvents(names.alerts, [c], now - 10 * MIN);
  await produceEvents(names.alerts, [resolution(c, now - 5 * MIN)], now - 5 * MIN);
  await produceEvents(names.alerts, [d]);

  const first = await startRelay(t, config);
  assert.deepEqual(first.relay.held(), { firing: 2, resolved: 1 }, 'a and d fire; c is re-sent as resolved; b is past retention');
  await am.waitForAlerts((as) => instances(as) === 'a,d', 20_000, 'a and d in Alertmanager');
  const notifiedFiring = (n: Notification[]) => instances(n.flatMap((x) => x.alerts.filter((y) => y.status === 'firing')));
  await hook.waitFor((n) => ['a', 'd'].every((i) => notifiedFiring(n).includes(i)), 30_000, 'a and d notified');
  await first.stop();

  // While no relay runs: d resolves, e fires, and Alertmanager restarts (it keeps alerts in memory only).
  const e = alertEvent({ rule: 'latency', labels: { instance: 'e' } });
  await produceEvents(names.alerts, [resolution(d), e]);
  await am.restart();
  assert.deepEqual(await am.alerts(), []);

  const second = await startRelay(t, config);
  assert.deepEqual(second.relay.held(), { firing: 2, resolved: 2 }, 'a and e fire; c and d are re-sent as resolved');
  const back = await am.waitForAlerts((as) => instances(as) === 'a,e', 20_000, 'a and e in Alertmanager, d not');
  assert.ok(back.every((x) => x.status.state === 'active' && Date.parse(x.endsAt) > Date.now()));
  await hook.waitFor((n) => n.some((x) => x.alerts.some((y) => y.labels.instance === 'e')), 30_000, 'e notified');
  const resolvedAt = (n: Notification[], i: string) =>
    n.some((x) => x.alerts.some((y) => y.labels.instance === i && y.status === 'resolved'));
  assert.ok(!resolvedAt(hook.notifications, 'a'), 'a was never resolved');
  assert.ok(!hook.notifications.some((x) => x.alerts.some((y) => y.labels.instance === 'b')), 'b, resolved long before, was never sent');
  // The relay commits no offsets: every start rebuilds from the beginning of the topic.
  assert.ok([...(await committedOffsets(config.relay.groupId, names.alerts)).values()].every((o) => o === -1));
});

test('relays of one group split the partitions; each assignment (rebalance included) rebuilds its partitions', async (t) => {
  const am = await startAlertmanager(t, amConfig(null));
  const { config, names } = relayConfig('relay-rebalance', [am.url]);
  const first = await startRelay(t, config);
  const events = Array.from({ length: 12 }, (_, i) => alertEvent({ rule: 'latency', labels: { instance: `host-${i}` } }));
  await produceEvents(names.alerts, events);
  await waitUntil(() => first.relay.held().firing === 12, 20_000, 'the first relay to hold the 12 alerts');

  const second = await startRelay(t, config);
  const held = () => [first.relay.held().firing, second.relay.held().firing];
  await waitUntil(
    () => first.ready().ok && second.ready().ok && held()[0]! > 0 && held()[1]! > 0 && held()[0]! + held()[1]! === 12,
    30_000,
    `the two relays to split the 12 alerts (now ${held().join(' + ')})`,
  );
  await first.stop();
  await waitUntil(
    () => second.ready().ok && second.relay.held().firing === 12,
    30_000,
    `the second relay to take over all 12 (holds ${second.relay.held().firing})`,
  );
  await am.waitForAlerts(
    (as) => as.length === 12 && as.every((a) => a.status.state === 'active'),
    20_000,
    'the 12 alerts active throughout',
  );
});
