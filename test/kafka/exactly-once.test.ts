/**
 * Delivery exactly-once on the real broker: a worker killed with kill -9 while its alerts stream
 * out, then restarted, leaves a read_committed reader with every alert exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { encodeCompact } from '../../src/codec/samples.js';
import { formatSeriesId } from '../../src/codec/series-id.js';
import { mulberry32, gaussian } from '../support/random.js';
import {
  alertReader,
  committedOffsets,
  ensureTopic,
  freshNames,
  sendRecords,
  topicOverrides,
  waitUntil,
  WorkerProcess,
} from '../support/worker.js';

const T0 = Date.UTC(2026, 10, 3);
const SEC = 1000;
const ROUNDS = 400;
/** Each series spikes at these rounds: far enough apart that each is a new episode (keep_firing_for 100). */
const SPIKES = [60, 180, 300];

test('exactly-once: kill -9 mid-stream and a restart leave every alert exactly once for a read_committed reader', async (t) => {
  const names = freshNames('worker-exactly-once');
  await ensureTopic(names.metrics, 3);
  const overrides = {
    ...topicOverrides(names, 3),
    'kafka.delivery': 'exactly-once',
    // Restarted, the worker restores the state its committed output came from (no relearning).
    'checkpoint.interval': 500,
  };
  const g = gaussian(mulberry32(7));
  const series = Array.from({ length: 60 }, (_, i) => formatSeriesId('disk_io_seconds', { disk: `sd${i}` }));
  const messages: Message[] = [];
  const injected: Array<{ series: string; ts: number }> = [];
  for (let r = 0; r < ROUNDS; r++)
    series.forEach((s, i) => {
      const ts = T0 + r * SEC;
      const spike = SPIKES.includes(r) && i % 2 === r % 2;
      if (spike) injected.push({ series: s, ts });
      messages.push({ key: s, value: encodeCompact(ts, spike ? 130 : 100 + g()) });
    });
  await sendRecords(names.metrics, messages);

  await ensureTopic(names.alerts, 3);
  const reader = await alertReader(names.alerts).start(); // kafkajs reads read_committed
  t.after(() => reader.close());
  const first = new WorkerProcess(overrides);
  t.after(() => first.dispose());
  await reader.waitFor((items) => items.length >= 10, 60_000, 'the first alerts');
  first.child.kill('SIGKILL');
  await first.exited;

  const second = new WorkerProcess(overrides);
  t.after(() => second.dispose());
  await waitUntil(
    async () =>
      [...(await committedOffsets(names.group, names.metrics)).values()].reduce((s, o) => s + Math.max(0, o), 0) === messages.length,
    90_000,
    'every record committed by the restarted worker',
  );
  await reader.waitFor(
    (items) => injected.every((x) => items.some((e) => e.reason === 'fired' && e.series === x.series && e.ts === x.ts)),
    30_000,
    `alerts for all ${injected.length} spikes`,
  );
  second.child.kill('SIGTERM');
  assert.equal((await second.exited).code, 0);

  const byId = new Map<string, number>();
  for (const e of reader.items) byId.set(`${e.id}/${e.reason}/${e.ts}`, (byId.get(`${e.id}/${e.reason}/${e.ts}`) ?? 0) + 1);
  const duplicated = [...byId].filter(([, n]) => n > 1);
  assert.deepEqual(duplicated, [], 'no alert event is seen twice by a read_committed reader');
  const fired = reader.items.filter((e) => e.reason === 'fired');
  assert.equal(fired.length, injected.length, `fired events: ${fired.length}, spikes: ${injected.length}`);
  const restored = second.logs.filter((l) => l.msg === 'partition restored' || l.msg === 'partition starts empty');
  assert.ok(restored.length > 0, 'the restarted worker took the partitions over');
});
