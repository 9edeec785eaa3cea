/**
 * The changelog on the real broker, as the writer leaves it before compaction catches up: several
 * generations of a partition's checkpoint. Read from the pointer of one of them, the reader sees
 * that one and every later one and nothing before; read whole, all of them. The writer's pointer
 * is the offset of the generation's first chunk, and a manifest lists what its write replaced.
 * One reader serves every read with one membership of its group, joined before the first read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { ChangelogWriter } from '../../src/kafka/changelog-writer.js';
import { ChangelogReader, ChangelogUnavailableError } from '../../src/kafka/changelog-reader.js';
import { CHUNK_BYTES } from '../../src/kafka/changelog-records.js';
import { checkpointMetrics } from '../../src/kafka/checkpoint-metrics.js';
import type { CheckpointPointer } from '../../src/kafka/checkpoint-pointer.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createLogger } from '../../src/observe/logger.js';
import { requireBrokers } from '../support/kafka.js';
import { ensureTopic, freshNames, waitUntil } from '../support/worker.js';

const kafka = () => new Kafka({ clientId: 'sigmawatch-test-changelog', brokers: requireBrokers(), logLevel: logLevel.NOTHING });

test('read from a checkpoint pointer, the changelog yields that generation and the later ones, nothing before', async (t) => {
  const topic = `${freshNames('changelog-read').metrics}.changelog`;
  await ensureTopic(topic, 2);
  const client = kafka();
  const producer = client.producer();
  await producer.connect();
  t.after(() => producer.disconnect());
  const writer = new ChangelogWriter({
    producer,
    topic,
    changelogPartitions: 2,
    group: 'g',
    log: createLogger({ level: 'silent' }),
    metrics: checkpointMetrics(createMetrics().registry),
    now: Date.now,
  });
  // Input partition 3 → changelog partition 1; three checkpoints of 2.5 chunks each, offsets 10, 20, 30.
  const pointers: CheckpointPointer[] = [];
  for (const offset of [10n, 20n, 30n]) {
    const checkpoint = new Uint8Array(CHUNK_BYTES * 2 + CHUNK_BYTES / 2).fill(Number(offset));
    const pointer = await writer.write({ partition: 3, checkpoint, offset, startedAt: performance.now() });
    assert.ok(pointer !== null, 'written');
    pointers.push(pointer);
  }
  // Each write: 3 chunks, a manifest, then tombstones for the 3 chunks it replaced (none the first time).
  assert.deepEqual(
    pointers.map((p) => [p.changelogPartition, p.offset]),
    [
      [1, 0n],
      [1, 4n],
      [1, 11n],
    ],
  );
  const group = freshNames('changelog-reader-group').group;
  const reader = new ChangelogReader(client, { topic, group, log: createLogger({ level: 'silent' }) });
  t.after(() => reader.close());
  reader.warm();
  const admin = client.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  // The reader's group: exactly one, with this reader as its only member (no group per read).
  const membership = async () => {
    const ids = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(`${group}.restore.`));
    const { groups } = await admin.describeGroups(ids);
    return groups.map((g) => ({ state: g.state, members: g.members.map((m) => m.memberId) }));
  };
  await waitUntil(async () => (await membership())[0]?.state === 'Stable', 20_000, 'the reader to join its group before any read');
  const joined = await membership();
  assert.equal(joined.length, 1);
  assert.equal(joined[0]!.members.length, 1);

  const read = (from?: bigint) =>
    reader.read({ partitions: [1], timeoutMs: 20_000, from: from === undefined ? undefined : new Map([[1, from]]) });
  const offsetsOf = async (from?: bigint) => (await read(from)).candidates(3, 5).map((c) => c.manifest.offset);

  assert.deepEqual(await offsetsOf(), ['30', '20', '10'], 'read whole: every manifest');
  assert.deepEqual(await offsetsOf(pointers[1]!.offset), ['30', '20'], "from the second one's pointer: it and the newer one");
  assert.deepEqual(await offsetsOf(pointers[2]!.offset), ['30']);
  assert.deepEqual(await offsetsOf(1_000n), [], 'a pointer past the end reads nothing');

  const [newest] = (await read(pointers[2]!.offset)).candidates(3, 1);
  assert.ok(newest!.bytes !== null, 'complete');
  assert.equal(newest!.bytes.length, CHUNK_BYTES * 2.5);
  assert.deepEqual(newest!.manifest.replaces, { [(await read(pointers[1]!.offset)).candidates(3, 2)[1]!.manifest.generation]: 3 });
  assert.deepEqual(await membership(), joined, 'six reads later: the same member, still the only one');

  await reader.close();
  await assert.rejects(read(), ChangelogUnavailableError, 'a closed reader reads nothing');
  await waitUntil(async () => (await membership()).every((g) => g.members.length === 0), 20_000, 'the closed reader to leave its group');
});
