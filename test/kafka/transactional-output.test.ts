/**
 * Exactly-once delivery's mechanism on the real broker: a worker frozen between its sends and its
 * commit (a zombie) is fenced by the partition's new owner; a read_committed reader sees the new
 * owner's output once and nothing of the zombie's, while read_uncommitted shows what was aborted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { TransactionalOutput } from '../../src/kafka/transactional-output.js';
import { createLogger } from '../../src/observe/logger.js';
import { requireBrokers, withTimeout } from '../support/kafka.js';
import { committedOffsets, ensureTopic, freshNames, waitUntil } from '../support/worker.js';

const kafka = () => new Kafka({ clientId: 'sigmawatch-test-txn', brokers: requireBrokers(), logLevel: logLevel.NOTHING });

/** Every record of `topic` (from the beginning) as `key:value`, read committed or not, once the high watermark is reached. */
async function readAll(topic: string, readUncommitted: boolean): Promise<string[]> {
  const admin = kafka().admin();
  await admin.connect();
  const high = Number((await admin.fetchTopicOffsets(topic))[0]!.high);
  await admin.disconnect();
  const seen: string[] = [];
  let position = 0;
  const consumer = kafka().consumer({ groupId: `${topic}.reader.${readUncommitted}`, readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) seen.push(`${m.key}:${m.value}`);
        position = Number(batch.lastOffset()) + 1;
      },
    });
    // Control records (commit / abort markers) take offsets too: read up to the high watermark.
    await waitUntil(() => position >= high - 1, 20_000, `reading ${topic} to offset ${high}`);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

test('a zombie frozen before its commit is fenced by the new owner: read_committed sees the output once', async (t) => {
  const names = freshNames('txn-fencing');
  await ensureTopic(names.metrics, 1);
  await ensureTopic(names.alerts, 1);
  const log = createLogger({ level: 'silent' });
  let releaseZombie: () => void = () => {};
  const frozen = new Promise<void>((resolve) => (releaseZombie = resolve));
  let zombieReachedCommit: () => void = () => {};
  const atCommit = new Promise<void>((resolve) => (zombieReachedCommit = resolve));
  const zombie = new TransactionalOutput({
    kafka: kafka(),
    group: names.group,
    topic: names.metrics,
    log,
    beforeCommit: async () => {
      zombieReachedCommit();
      await frozen;
    },
  });
  const owner = new TransactionalOutput({ kafka: kafka(), group: names.group, topic: names.metrics, log });
  t.after(() => Promise.all([zombie.close(), owner.close()]));

  const zombieDone = zombie.publishAndCommit(0, [[names.alerts, [{ key: 'a', value: 'from-zombie' }]]], 10n);
  await withTimeout(atCommit, 30_000, 'the zombie to send and reach its commit');
  // The partition's new owner: the same transactional id fences the zombie and aborts its transaction.
  assert.equal(await owner.publishAndCommit(0, [[names.alerts, [{ key: 'a', value: 'from-owner' }]]], 10n, 'checkpoint 0@7'), 'committed');
  releaseZombie();
  assert.equal(await withTimeout(zombieDone, 30_000, 'the zombie to give up'), 'fenced');

  assert.deepEqual(await readAll(names.alerts, false), ['a:from-owner'], 'read_committed: the owner output, once');
  assert.deepEqual(
    (await readAll(names.alerts, true)).sort(),
    ['a:from-owner', 'a:from-zombie'],
    'read_uncommitted shows the aborted send',
  );
  assert.equal((await committedOffsets(names.group, names.metrics)).get(0), 10, 'the offsets went with the committed transaction');
  const admin = kafka().admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId: names.group, topics: [names.metrics] }).finally(() => admin.disconnect());
  assert.equal(offsets!.partitions[0]!.metadata, 'checkpoint 0@7', "and with them the checkpoint pointer, the restore's starting point");
});
