/**
 * Health that tells the truth, on the real broker: the alerts topic goes away while the worker has
 * alerts to publish. The worker must say so (/readyz), stay in its group (heartbeats while the
 * publish waits), stay live, and carry on when the topic is back: no exit, nothing lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { encodeCompact } from '../../src/codec/samples.js';
import { createAdmin, withTimeout } from '../support/kafka.js';
import {
  alertReader,
  committedOffsets,
  ensureTopic,
  freshNames,
  sendRecords,
  startWorker,
  testConfig,
  waitUntil,
} from '../support/worker.js';

const T0 = Date.UTC(2026, 10, 1);
const SEC = 1000;
const SESSION_TIMEOUT_MS = 6000; // test config (topicOverrides)

/** 60 samples of `series`, a spike at the 50th. */
function spiky(series: string): Message[] {
  return Array.from({ length: 60 }, (_, i) => ({ key: series, value: encodeCompact(T0 + i * SEC, i === 50 ? 500 : 10 + (i % 2)) }));
}

test('alerts topic unavailable: /readyz says so, the member keeps its place in the group, and the worker carries on when the topic is back', async (t) => {
  const names = freshNames('worker-unavailable-alerts');
  await ensureTopic(names.metrics, 1);
  const config = testConfig(names, 1, { 'health.publish_timeout': '2s', 'checkpoint.enabled': false });
  const { worker, stop } = await startWorker(config);
  t.after(stop);
  const admin = await createAdmin();
  t.after(() => admin.disconnect());

  const first = await alertReader(names.alerts).start();
  await sendRecords(names.metrics, spiky('queue_depth{queue="a"}'));
  await first.waitFor((items) => items.some((a) => a.reason === 'fired'), 30_000, 'the first alert');
  await first.close();
  const memberOf = async () => {
    const { groups } = await admin.describeGroups([names.group]);
    return { state: groups[0]!.state, members: groups[0]!.members.map((m) => m.memberId) };
  };
  const before = await memberOf();
  assert.equal(before.members.length, 1);

  await admin.deleteTopics({ topics: [names.alerts], timeout: 10_000 });
  await waitUntil(async () => !(await admin.listTopics()).includes(names.alerts), 15_000, 'the alerts topic to be gone');
  await sendRecords(names.metrics, spiky('queue_depth{queue="b"}'));

  await waitUntil(() => !worker.ready().ok, 30_000, '/readyz to report the blocked publish');
  const blocked = worker.ready().detail as { publishBlockedMs?: number; joined: boolean };
  assert.ok(blocked.publishBlockedMs !== undefined && blocked.publishBlockedMs > 2000, JSON.stringify(blocked));

  // Two session timeouts with the publish blocked: without heartbeats the coordinator would
  // expel the member. Watch the group the whole time (a bounded observation, not a wait).
  const watchUntil = Date.now() + 2 * SESSION_TIMEOUT_MS + 1000;
  while (Date.now() < watchUntil) {
    const now = await memberOf();
    assert.deepEqual(now.members, before.members, 'the member stays in the group while the publish waits');
    assert.equal(worker.health().ok, true, 'waiting on the broker is not a reason to restart the worker');
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(worker.ready().ok, false, 'still blocked, still not ready');

  await ensureTopic(names.alerts, 1);
  const second = await alertReader(names.alerts).start();
  t.after(() => second.close());
  await second.waitFor(
    (items) => items.some((a) => a.reason === 'fired' && a.series === 'queue_depth{queue="b"}'),
    60_000,
    'the alert held back',
  );
  await waitUntil(() => worker.ready().ok, 15_000, '/readyz to pass again');
  await waitUntil(async () => (await committedOffsets(names.group, names.metrics)).get(0) === 120, 15_000, 'every record committed');
  assert.deepEqual((await memberOf()).members, before.members, 'the same member throughout: it never left the group');
  assert.equal(worker.health().ok, true);
  await withTimeout(stop(), 30_000, 'stopping the worker');
});
