/**
 * Reads the alerts topic from each partition's earliest retained offset up to its end offset as
 * captured when the read starts (records produced meanwhile are not waited for: the read is
 * bounded), then leaves. kafkajs has no manual partition assignment, so it joins a throwaway
 * consumer group of its own (`<group>.review.<random>`, nothing committed) and deletes that group
 * afterwards, as the changelog reader does (kafka/changelog-reader.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface TopicReadOptions {
  readonly topic: string;
  /** The deployment's consumer group: the reader's own group is named after it. */
  readonly group: string;
  /** Give up (TopicReadError) after this long. */
  readonly timeoutMs: number;
  /** Every record's value, with where it was. */
  readonly onRecord: (value: Buffer | null, partition: number, offset: string) => void;
  /** Records read so far and the total to read; called after every batch. */
  readonly onProgress?: (read: number, total: number) => void;
}

export class TopicReadError extends Error {}

export interface TopicReadResult {
  readonly partitions: number;
  readonly records: number;
  /** Whether the throwaway group could be deleted afterwards (a broker may refuse for a moment). */
  readonly groupDeleted: boolean;
  readonly groupId: string;
}

export async function readAlertsTopic(kafka: Kafka, o: TopicReadOptions): Promise<TopicReadResult> {
  const deadline = Date.now() + o.timeoutMs;
  const admin = kafka.admin();
  await withDeadline(admin.connect(), deadline, 'connecting to the brokers');
  const groupId = `${o.group}.review.${randomBytes(4).toString('hex')}`;
  let joined = false;
  try {
    const topics = await withDeadline(admin.listTopics(), deadline, 'listing topics');
    if (!topics.includes(o.topic)) throw new TopicReadError(`topic ${o.topic} does not exist`);
    const offsets = await withDeadline(admin.fetchTopicOffsets(o.topic), deadline, 'fetching the end offsets');
    // partition → [next offset to read, end offset]; partitions with nothing retained are done.
    const left = new Map<number, bigint>();
    let total = 0n;
    for (const p of offsets) {
      const low = BigInt(p.low);
      const high = BigInt(p.high);
      if (high > low) {
        left.set(p.partition, high);
        total += high - low;
      }
    }
    let read = 0;
    if (left.size > 0) {
      joined = true;
      read = await consumeUpTo(kafka, groupId, left, Number(total), deadline, o);
    }
    let groupDeleted = !joined;
    if (joined) {
      groupDeleted = await admin
        .deleteGroups([groupId])
        .then(() => true)
        .catch(() => false);
    }
    return { partitions: offsets.length, records: read, groupDeleted, groupId };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function consumeUpTo(
  kafka: Kafka,
  groupId: string,
  left: Map<number, bigint>,
  total: number,
  deadline: number,
  o: TopicReadOptions,
): Promise<number> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024, allowAutoTopicCreation: false });
  let read = 0;
  let finished: () => void = () => {};
  let failed: (e: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  try {
    consumer.on(consumer.events.CRASH, (e) => failed(e.payload.error));
    // Partitions with nothing to read are paused as soon as they are assigned.
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const idle = (e.payload.memberAssignment[o.topic] ?? []).filter((p) => !left.has(p));
      if (idle.length > 0) consumer.pause([{ topic: o.topic, partitions: idle }]);
    });
    await withDeadline(consumer.connect(), deadline, 'connecting the consumer');
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await withDeadline(
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = left.get(batch.partition);
          if (end === undefined) return;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end) break; // produced after the read began
            o.onRecord(m.value, batch.partition, m.offset);
            read++;
          }
          o.onProgress?.(read, total);
          if (BigInt(batch.lastOffset()) + 1n >= end) {
            left.delete(batch.partition);
            consumer.pause([{ topic: o.topic, partitions: [batch.partition] }]);
            if (left.size === 0) finished();
          }
        },
      }),
      deadline,
      'joining the reader group',
    );
    await withDeadline(done, deadline, `reading up to the end offsets (${left.size} partition(s) left, ${read} of ${total} records read)`);
    return read;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

async function withDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TopicReadError(`reading the alerts topic timed out ${what}`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
