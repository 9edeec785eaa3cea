/**
 * Checkpoints and restore on the real broker, with `sigmawatch run` processes: a partition that
 * moves (graceful stop, kill -9) keeps its state, so an anomaly right after the takeover is
 * alerted on its first sample, with no warm-up and no false alarm; a corrupt checkpoint is
 * skipped with a log line and the worker keeps running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { encodeCompact } from '../../src/codec/samples.js';
import { formatSeriesId } from '../../src/codec/series-id.js';
import type { AlertEvent } from '../../src/codec/alerts.js';
import { mulberry32, gaussian } from '../support/random.js';
import {
  alertReader,
  committedOffsets,
  ensureTopic,
  freshNames,
  sendRecords,
  topicOverrides,
  TopicReader,
  waitUntil,
  WorkerProcess,
} from '../support/worker.js';

const T0 = Date.UTC(2026, 10, 2);
const SEC = 1000;
const PARTITIONS = 6;
const PARTITIONS_ALL = Array.from({ length: PARTITIONS }, (_, p) => p);
const SERIES = Array.from({ length: 60 }, (_, i) => formatSeriesId('cpu_usage', { host: `node-${i}` }));

type Log = Record<string, unknown>;
const joined = (l: Log) => l.msg === 'joined group';
const assignedCount = (l: Log) => Object.values((l.assignment ?? {}) as Record<string, number[]>).reduce((n, parts) => n + parts.length, 0);

/** One sample per series at round r; series i goes to partition i mod 6; `spike(i)` adds to its value. */
function round(r: number, g: () => number, spike: (i: number) => number = () => 0): Message[] {
  return SERIES.map((s, i) => ({ key: s, value: encodeCompact(T0 + r * SEC, 100 + g() + spike(i)), partition: i % PARTITIONS }));
}

function rounds(from: number, to: number, g: () => number): Message[] {
  const out: Message[] = [];
  for (let r = from; r < to; r++) out.push(...round(r, g));
  return out;
}

interface ChangelogRecord {
  key: string;
  value: Buffer | null;
}
const changelogReader = (topic: string) =>
  new TopicReader<ChangelogRecord>(topic, (m) => ({ key: m.key?.toString() ?? '', value: m.value }));

async function waitForCommits(group: string, topic: string, total: number): Promise<void> {
  await waitUntil(
    async () => [...(await committedOffsets(group, topic)).values()].reduce((s, o) => s + Math.max(0, o), 0) === total,
    45_000,
    `commits of ${total} records`,
  );
}

const lastJoin = (w: WorkerProcess) => w.logs.filter(joined).at(-1);

/** waitForLog, failing with the worker's last log lines (what it was doing). */
async function waitLog(w: WorkerProcess, pred: (l: Log) => boolean, timeoutMs: number, what: string): Promise<Log> {
  try {
    return await w.waitForLog(pred, timeoutMs, what);
  } catch (e) {
    const tail = w.logs
      .slice(-15)
      .map(
        ({ msg, component, err }) => `${String(msg)}${component ? ` [${String(component)}]` : ''}${err ? ` ${JSON.stringify(err)}` : ''}`,
      );
    throw new Error(`${(e as Error).message}\nlast log lines:\n${tail.join('\n')}`, { cause: e });
  }
}

/**
 * A writes checkpoints only when it stops (interval 1h); B and C every 400 records of a partition,
 * which each partition reaches exactly at the end of the first 40 rounds. So B restores A's
 * partitions from A's shutdown checkpoints, and C restores B's from checkpoints 50 records behind
 * the committed offset: it must replay those 50 records (without sending their alerts again).
 */
test('a partition moved by a graceful stop, then by a rebalance and a kill -9, keeps its state: the first anomalous sample alerts, nothing else does', async (t) => {
  const names = freshNames('checkpoint-takeover');
  await ensureTopic(names.metrics, PARTITIONS);
  const overrides = (interval: string | number) => ({ ...topicOverrides(names, PARTITIONS), 'checkpoint.interval': interval });
  const a = new WorkerProcess(overrides('1h'));
  t.after(() => a.dispose());
  await waitLog(a, joined, 60_000, 'worker A to join');
  const changelog = await changelogReaderStarted(`${names.metrics}.changelog`, t);
  const b = new WorkerProcess(overrides(400));
  t.after(() => b.dispose());
  await waitLog(b, (l) => joined(l) && assignedCount(l) > 0, 30_000, 'worker B to get partitions');
  await waitLog(a, (l) => joined(l) && assignedCount(l) > 0 && assignedCount(l) < PARTITIONS, 30_000, 'worker A to give some up');

  const g = gaussian(mulberry32(21));
  let sent = 40 * SERIES.length;
  await sendRecords(names.metrics, rounds(0, 40, g));
  await waitForCommits(names.group, names.metrics, sent);
  const heldBy = (w: WorkerProcess) => (lastJoin(w)!.assignment as Record<string, number[]>)[names.metrics]!;
  const movedFromA = heldBy(a);
  await changelog.waitFor(
    (items) => heldBy(b).every((p) => items.some((i) => i.key === `${p}/manifest`)),
    30_000,
    "checkpoints of B's partitions",
  );
  assert.ok(
    movedFromA.every((p) => !changelog.items.some((i) => i.key === `${p}/manifest`)),
    'A has written no checkpoint yet',
  );

  // 1. A stops gracefully (its checkpoints now), B takes over; at once, anomalies on the first 30 series.
  a.child.kill('SIGTERM');
  assert.equal((await a.exited).code, 0, a.stderr.join('\n'));
  await waitLog(b, (l) => joined(l) && assignedCount(l) === PARTITIONS, 40_000, 'worker B to take over all partitions');
  const phase2 = [...round(40, g, (i) => (i < 30 ? (i % 2 === 0 ? 15 : -15) : 0)), ...rounds(41, 45, g)];
  await sendRecords(names.metrics, phase2);
  sent += phase2.length;
  const alerts = await alertReader(names.alerts).start();
  t.after(() => alerts.close());
  const firstWave = SERIES.slice(0, 30).map((series) => ({ series, ts: T0 + 40 * SEC }));
  await alerts.waitFor(
    (items) => firstWave.every((x) => items.some((e) => isFiring(e, x))),
    60_000,
    'alerts on the first anomalous sample after the graceful takeover',
  );
  for (const p of movedFromA) {
    const restored = await waitLog(b, (l) => l.partition === p && isStart(l), 30_000, `worker B to restore partition ${p}`);
    // Read from the position A committed with its shutdown checkpoint, not the changelog whole.
    assert.deepEqual(
      [restored.result, restored.offset, restored.replay, restored.read],
      ['restored', '400', 0, 'from_pointer'],
      `partition ${p} from A's shutdown checkpoint: ${JSON.stringify(restored)}`,
    );
  }
  await waitForCommits(names.group, names.metrics, sent);

  // 2. C joins: some of B's partitions move to it by rebalance. B checkpoints its partitions as the
  //    group rebalances (at 450, their committed offset), so C restores them with nothing to replay.
  const c = new WorkerProcess(overrides(400));
  t.after(() => c.dispose());
  await waitLog(c, (l) => joined(l) && assignedCount(l) > 0, 30_000, 'worker C to get partitions');
  const first = heldBy(c);
  const keptByB = PARTITIONS_ALL.filter((p) => !first.includes(p));
  await waitUntil(() => c.logs.filter(isStart).length >= first.length, 30_000, 'worker C to restore what it got');
  // From B's rebalance checkpoint (450), or, when C read the changelog before it landed, from 400 plus a replay.
  for (const r of c.logs.filter(isStart))
    assert.deepEqual(
      [r.result, r.committed, Number(r.offset) + (r.replay as number), r.read],
      ['restored', '450', 450, 'from_pointer'],
      JSON.stringify(r),
    );
  // B's partitions move on past that checkpoint (50 records each, under B's interval of 400).
  const between = rounds(45, 50, g);
  await sendRecords(names.metrics, between);
  sent += between.length;
  await waitForCommits(names.group, names.metrics, sent);

  // 3. B is killed: C takes all; B's partitions come from the rebalance checkpoints plus a replay.
  b.child.kill('SIGKILL');
  await b.exited;
  await waitLog(c, (l) => joined(l) && assignedCount(l) === PARTITIONS, 40_000, 'worker C to take over all partitions');
  const phase3 = [...round(50, g, (i) => (i >= 30 ? (i % 2 === 0 ? 15 : -15) : 0)), ...rounds(51, 54, g)];
  await sendRecords(names.metrics, phase3);
  sent += phase3.length;
  const secondWave = SERIES.slice(30).map((series) => ({ series, ts: T0 + 50 * SEC }));
  await alerts.waitFor(
    (items) => secondWave.every((x) => items.some((e) => isFiring(e, x))),
    60_000,
    'alerts on the first anomalous sample after the kill -9 takeover',
  );
  await waitForCommits(names.group, names.metrics, sent);
  const restores = c.logs.filter(isStart).filter((r) => keptByB.includes(r.partition as number));
  assert.equal(restores.length, keptByB.length, `C restored each of B's partitions once: ${JSON.stringify(c.logs.filter(isStart))}`);
  for (const r of restores) {
    // Checkpointed at the rebalance (450), committed at 500: the 50 records in between are replayed.
    assert.deepEqual(
      [r.result, r.offset, r.committed, r.replay, r.read],
      ['restored', '450', '500', 50, 'from_pointer'],
      JSON.stringify(r),
    );
  }

  // Nothing else fired (the replays sent nothing), and an alert re-sent after a takeover carries its first id.
  const firing = alerts.items.filter((e) => e.status === 'firing');
  const expected = [...firstWave, ...secondWave];
  assert.deepEqual(
    firing.filter((e) => !expected.some((x) => isFiring(e, x))),
    [],
    'no false alarm',
  );
  for (const x of expected) assert.equal(new Set(firing.filter((e) => isFiring(e, x)).map((e) => e.id)).size, 1, `one id for ${x.series}`);
  c.child.kill('SIGTERM');
  assert.equal((await c.exited).code, 0, c.stderr.join('\n'));
});

test('a corrupt checkpoint is skipped with a log line; the worker keeps running and the partition learns (or restores an older one)', async (t) => {
  const names = freshNames('checkpoint-corrupt');
  await ensureTopic(names.metrics, 2);
  const overrides = { ...topicOverrides(names, 2), 'checkpoint.interval': 1 };
  const changelogTopic = `${names.metrics}.changelog`;
  const w1 = new WorkerProcess(overrides);
  t.after(() => w1.dispose());
  await waitLog(w1, (l) => joined(l) && assignedCount(l) === 2, 60_000, 'the first worker to join');
  const changelog = await changelogReaderStarted(changelogTopic, t);
  const g = gaussian(mulberry32(5));
  const series = SERIES.slice(0, 10);
  const phase = (from: number, to: number) => {
    const out: Message[] = [];
    for (let r = from; r < to; r++)
      series.forEach((s, i) => out.push({ key: s, value: encodeCompact(T0 + r * SEC, 100 + g()), partition: i % 2 }));
    return out;
  };
  await sendRecords(names.metrics, phase(0, 40));
  await waitForCommits(names.group, names.metrics, 400);
  w1.child.kill('SIGTERM');
  assert.equal((await w1.exited).code, 0, w1.stderr.join('\n'));
  await changelog.waitFor(
    (items) => [0, 1].every((p) => items.some((i) => i.key === `${p}/manifest`)),
    30_000,
    'checkpoints of both partitions',
  );

  // Partition 0: its latest checkpoint's first chunk gets a flipped byte. Partition 1: a manifest that is no JSON.
  const manifest = JSON.parse(
    changelog.items
      .filter((i) => i.key === '0/manifest')
      .at(-1)!
      .value!.toString(),
  ) as { generation: string };
  const chunk = changelog.items.filter((i) => i.key === `0/${manifest.generation}/0`).at(-1)!.value!;
  const corrupt = Buffer.from(chunk);
  corrupt[corrupt.length >> 1] ^= 0x10;
  await sendRecords(changelogTopic, [
    { key: `0/${manifest.generation}/0`, value: corrupt, partition: 0 },
    { key: '1/manifest', value: 'this is not a manifest', partition: 1 },
  ]);

  const w2 = new WorkerProcess(overrides);
  t.after(() => w2.dispose());
  const skipped0 = await waitLog(
    w2,
    (l) => l.msg === 'checkpoint skipped' && l.partition === 0,
    30_000,
    'partition 0 to skip its corrupt checkpoint',
  );
  assert.equal(skipped0.reason, 'corrupt');
  assert.match(String(skipped0.problem), /checksum/);
  const skipped1 = await waitLog(
    w2,
    (l) => l.msg === 'checkpoint skipped' && l.partition === 1,
    30_000,
    'partition 1 to skip its bad manifest',
  );
  assert.equal(skipped1.reason, 'corrupt');
  const start0 = await waitLog(
    w2,
    (l) => l.partition === 0 && (l.msg === 'partition starts empty' || l.msg === 'partition restored'),
    30_000,
    'partition 0 to start',
  );
  assert.equal(start0.msg, 'partition starts empty', 'the older generation was replaced (its chunks removed), so partition 0 learns again');
  assert.equal(start0.result, 'corrupt');
  assert.equal(start0.read, 'whole', 'nothing usable from the committed position on: the changelog is read whole');
  const start1 = await waitLog(
    w2,
    (l) => l.partition === 1 && (l.msg === 'partition starts empty' || l.msg === 'partition restored'),
    30_000,
    'partition 1 to start',
  );
  assert.equal(start1.msg, 'partition restored', 'partition 1 still has its sound checkpoint');
  assert.equal(start1.read, 'from_pointer');

  await sendRecords(names.metrics, phase(40, 50));
  await waitForCommits(names.group, names.metrics, 500);
  assert.equal(w2.child.exitCode, null, 'the worker keeps running');
  w2.child.kill('SIGTERM');
  assert.equal((await w2.exited).code, 0, w2.stderr.join('\n'));
});

const isStart = (l: Log) => l.msg === 'partition restored' || l.msg === 'partition starts empty';

function isFiring(e: AlertEvent, x: { series: string; ts: number }): boolean {
  return e.status === 'firing' && e.series === x.series && e.ts === x.ts;
}

/** Reads the changelog (created by the first worker) from the start. */
async function changelogReaderStarted(
  topic: string,
  t: { after: (fn: () => Promise<void>) => void },
): Promise<TopicReader<ChangelogRecord>> {
  const reader = await changelogReader(topic).start();
  t.after(() => reader.close());
  return reader;
}

test('a rebalance checkpoints the partitions that may move, at their committed offsets; the joining worker restores what it takes', async (t) => {
  const names = freshNames('checkpoint-rebalance');
  await ensureTopic(names.metrics, PARTITIONS);
  // No periodic checkpoint within the test: only the rebalance can write one.
  const overrides = { ...topicOverrides(names, PARTITIONS), 'checkpoint.interval': '1h' };
  const g = gaussian(mulberry32(11));
  const a = new WorkerProcess(overrides);
  t.after(() => a.dispose());
  await waitLog(a, (l) => joined(l) && assignedCount(l) === PARTITIONS, 60_000, 'worker A to take every partition');
  const changelog = await changelogReaderStarted(`${names.metrics}.changelog`, t);
  const first = rounds(0, 40, g);
  await sendRecords(names.metrics, first);
  await waitForCommits(names.group, names.metrics, first.length);
  assert.equal(changelog.items.length, 0, 'no checkpoint before the rebalance (interval 1h)');

  const b = new WorkerProcess(overrides);
  t.after(() => b.dispose());
  await waitLog(
    a,
    (l) => l.msg === 'group rebalancing: checkpointing partitions',
    30_000,
    'worker A to checkpoint when the group rebalances',
  );
  const manifests = () => changelog.items.filter((i) => i.key.endsWith('/manifest') && i.value !== null);
  await changelog.waitFor(() => manifests().length >= PARTITIONS, 30_000, 'a checkpoint of every partition A held');
  const committed = await committedOffsets(names.group, names.metrics);
  for (const m of manifests()) {
    const manifest = JSON.parse(m.value!.toString()) as { partition: number; offset: string };
    assert.equal(manifest.offset, String(committed.get(manifest.partition)), `partition ${manifest.partition}: the committed state`);
  }
  // B restores what it takes: from these checkpoints, or, when its read of the changelog came before
  // A's write landed (kafkajs gives A no hook to finish before the partitions move), it learns.
  await waitLog(b, (l) => joined(l) && assignedCount(l) > 0, 30_000, 'worker B to get partitions');
  const taken = assignedCount(lastJoin(b)!);
  await waitUntil(() => b.logs.filter(isStart).length >= taken, 45_000, `worker B to start its ${taken} partitions`);
  for (const r of b.logs.filter(isStart).filter((l) => l.result === 'restored'))
    assert.equal(r.replay, 0, `restored at the committed offset: ${JSON.stringify(r)}`);
});
