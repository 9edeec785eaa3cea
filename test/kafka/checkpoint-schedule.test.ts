/**
 * When the worker checkpoints a partition (kafka/checkpointer.ts), on a stepped clock and a
 * writer that only records what it was given: after a commit once the interval (records or
 * time) has passed, never for a state that is not the committed one, one write at a time (per
 * worker: a copy holds its partition's state in memory), again after a failed write, and for
 * every moved partition on shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { decodeCheckpoint, sealCheckpoint } from '../../src/engine/checkpoint.js';
import { Checkpointer } from '../../src/kafka/checkpointer.js';
import type { ChangelogWriter, CheckpointJob } from '../../src/kafka/changelog-writer.js';
import type { CheckpointPointer } from '../../src/kafka/checkpoint-pointer.js';
import { checkpointMetrics } from '../../src/kafka/checkpoint-metrics.js';
import { PartitionState } from '../../src/kafka/partition-state.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createLogger } from '../../src/observe/logger.js';
import type { CheckpointInterval } from '../../src/config/index.js';
import { makeRule } from '../support/rules.js';

const FINGERPRINT = '00000000000000ff';

/** A writer whose writes finish when the test says, with the result it says. */
class FakeWriter {
  readonly jobs: CheckpointJob[] = [];
  private readonly pending: { job: CheckpointJob; resolve: (written: CheckpointPointer | null) => void }[] = [];
  private finished = 0;
  write(job: CheckpointJob): Promise<CheckpointPointer | null> {
    this.jobs.push(job);
    return new Promise((resolve) => this.pending.push({ job, resolve }));
  }
  /** Ends the oldest write: written at changelog offset 1000 × its number (partition = the input's), or failed. */
  finish(ok = true): void {
    const { job, resolve } = this.pending.shift()!;
    this.finished++;
    resolve(ok ? { changelogPartition: job.partition, offset: 1000n * BigInt(this.finished) } : null);
  }
  async idle(): Promise<void> {}
}

function setup(interval: CheckpointInterval) {
  let now = 1_000_000;
  const partition = (n: number) =>
    new PartitionState(
      'm',
      n,
      new Engine({ rules: [makeRule()], maxSeries: 10, idleTimeoutMs: Infinity, flapWindowMs: 0, source: { topic: 'm', partition: n } }),
      now,
    );
  const writer = new FakeWriter();
  const checkpointer = new Checkpointer({
    writer: writer as unknown as ChangelogWriter,
    interval,
    fingerprint: FINGERPRINT,
    metrics: checkpointMetrics(createMetrics().registry),
    log: createLogger({ level: 'silent' }),
    now: () => now,
  });
  const p = partition(2);
  /** `records` records of `q` taken and committed up to `offset`. */
  const commit = (offset: number, records: number, q = p) => {
    q.took(String(offset), records);
    q.committed = q.next;
    checkpointer.afterCommit(q);
  };
  return { checkpointer, writer, p, partition, commit, tick: (ms: number) => (now += ms) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('every N records after a commit, one write at a time, the offset the state reflects', async () => {
  const { writer, commit, p, partition } = setup({ records: 100 });
  commit(49, 50);
  assert.equal(writer.jobs.length, 0);
  commit(99, 50);
  assert.equal(writer.jobs.length, 1);
  assert.equal(writer.jobs[0]!.offset, 100n);
  assert.equal(writer.jobs[0]!.partition, 2);
  assert.equal(decodeCheckpoint(sealCheckpoint(writer.jobs[0]!.checkpoint), FINGERPRINT).offset, 100n);
  commit(299, 200);
  const other = partition(3);
  commit(199, 200, other);
  assert.equal(writer.jobs.length, 1, 'not while a write is in flight, whatever the partition: one copy in memory at a time');
  other.inBatch = true;
  assert.equal(p.checkpointPointer, null);
  writer.finish();
  await settle();
  assert.equal(p.checkpointPointer, 'checkpoint 2@1000', "a written checkpoint's position goes with the partition's next commits");
  assert.deepEqual(
    writer.jobs.map((j) => [j.partition, j.offset]),
    [
      [2, 100n],
      [2, 300n],
    ],
    'the waiting partition whose batch is not in hand goes next',
  );
  other.inBatch = false;
  writer.finish(false);
  await settle();
  assert.equal(p.sinceCheckpoint, 200, 'a failed write leaves its records counted');
  assert.equal(p.checkpointPointer, 'checkpoint 2@1000', 'and the pointer of the last one written');
  assert.deepEqual(writer.jobs.at(-1)!.partition, 3, 'the other partition, out of its batch now, follows');
  writer.finish();
  await settle();
  commit(300, 1);
  assert.deepEqual(writer.jobs.map((j) => j.offset).at(-1), 301n, 'and the failed one tries again at its next commit');
});

test('by time: once the interval has passed since the last checkpoint, and only with new records', async () => {
  const { writer, commit, tick } = setup({ ms: 60_000 });
  commit(9, 10);
  assert.equal(writer.jobs.length, 0);
  tick(60_000);
  commit(19, 10);
  assert.equal(writer.jobs.length, 1);
  writer.finish();
  await settle();
  tick(30_000);
  commit(29, 10);
  assert.equal(writer.jobs.length, 1);
  tick(30_000);
  commit(29, 0);
  assert.equal(writer.jobs.length, 2, 'the records of the previous commit are not checkpointed yet');
});

test('never a state that is not the committed one: after a refused commit or during a replay', () => {
  const { writer, checkpointer, p } = setup({ records: 1 });
  p.took('9', 10);
  p.committed = 5n; // the commit of 10 was refused by a rebalance
  checkpointer.afterCommit(p);
  assert.equal(writer.jobs.length, 0);
  p.replayUntil = 50n;
  p.took('19', 10);
  p.committed = 50n;
  checkpointer.afterCommit(p);
  assert.equal(writer.jobs.length, 0, 'replaying: the state is behind the committed offset');
});

test('shutdown checkpoints every settled partition that moved, and gives up after the timeout', async () => {
  const a = setup({ ms: 3_600_000 });
  a.commit(9, 10);
  const b = a.partition(5);
  a.commit(99, 100, b);
  const flushed = a.checkpointer.flush([a.p, b], 1000);
  await settle();
  assert.equal(a.writer.jobs.length, 1, 'one after the other');
  a.writer.finish();
  await settle();
  assert.deepEqual(
    a.writer.jobs.map((j) => [j.partition, j.offset]),
    [
      [2, 10n],
      [5, 100n],
    ],
  );
  a.writer.finish();
  assert.equal(await flushed, true);
  assert.equal(await a.checkpointer.flush([a.p], 1000), true, 'nothing new: nothing written');
  assert.equal(a.writer.jobs.length, 2);
  a.commit(19, 10);
  assert.equal(await a.checkpointer.flush([a.p], 20), false, 'a write that does not finish in time');
});
