/**
 * Reads changelog partitions from their start, or from a given offset (checkpoint-pointer.ts), to
 * their high watermark (as of the call) into a ChangelogImage. kafkajs has no manual partition
 * assignment, so this joins a throwaway consumer group of its own (`<group>.restore.<random>`,
 * nothing committed), pauses the changelog partitions it does not need, and leaves once each
 * wanted one is read up to its watermark.
 *
 * (Joining a new group waits group.initial.rebalance.delay.ms on the broker: 3 s by default,
 * 0 on the local harness broker. The partitions being restored stay paused meanwhile.)
 */
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { ChangelogImage } from './changelog-records.js';

export interface ChangelogReadOptions {
  readonly topic: string;
  /** Changelog partitions to read. */
  readonly partitions: readonly number[];
  /** Where to start reading some of them (else at their start). */
  readonly from?: ReadonlyMap<number, bigint>;
  /** The worker's consumer group: the reader's own group is named after it. */
  readonly group: string;
  readonly timeoutMs: number;
}

export class ChangelogUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ChangelogUnavailableError';
  }
}

/** Everything the wanted partitions hold now; throws ChangelogUnavailableError when that takes longer than the timeout. */
export async function readChangelog(kafka: Kafka, options: ChangelogReadOptions): Promise<ChangelogImage> {
  const image = new ChangelogImage();
  const deadline = Date.now() + options.timeoutMs;
  const targets = await readRanges(kafka, options);
  if (targets.size === 0) return image;
  const consumer = kafka.consumer({
    groupId: `${options.group}.restore.${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 8 * 1024 * 1024,
    allowAutoTopicCreation: false,
  });
  const unwanted = (assigned: number[]) => assigned.filter((p) => !targets.has(p));
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  try {
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = e.payload.memberAssignment[options.topic] ?? [];
      const skip = unwanted(assigned);
      if (skip.length > 0) consumer.pause([{ topic: options.topic, partitions: skip }]);
      // Emitted before the first fetch: the seeks apply to it.
      for (const p of assigned) {
        const from = targets.get(p)?.from;
        if (from !== undefined && from > 0n) consumer.seek({ topic: options.topic, partition: p, offset: from.toString() });
      }
    });
    await withDeadline(consumer.connect(), deadline, 'connecting');
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await withDeadline(
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const target = targets.get(batch.partition);
          if (target === undefined) return;
          for (const m of batch.messages) if (BigInt(m.offset) >= target.from) image.add(m.key, m.value);
          if (BigInt(batch.lastOffset()) + 1n >= target.end) {
            targets.delete(batch.partition);
            consumer.pause([{ topic: options.topic, partitions: [batch.partition] }]);
            if (targets.size === 0) finished();
          }
        },
      }),
      deadline,
      'joining the reader group',
    );
    await withDeadline(done, deadline, `reading up to the high watermark (${targets.size} partition(s) left)`);
    return image;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Wanted partitions that hold records past where their read starts: partition → [where to start, high watermark). */
async function readRanges(kafka: Kafka, options: ChangelogReadOptions): Promise<Map<number, { from: bigint; end: bigint }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(options.topic);
    const wanted = new Set(options.partitions);
    const ranges = offsets
      .filter((p) => wanted.has(p.partition))
      .map((p) => {
        const low = BigInt(p.low);
        const from = options.from?.get(p.partition) ?? low;
        return [p.partition, { from: from > low ? from : low, end: BigInt(p.high) }] as const;
      });
    return new Map(ranges.filter(([, r]) => r.end > r.from));
  } finally {
    await admin.disconnect();
  }
}

async function withDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ChangelogUnavailableError(`reading the changelog timed out ${what}`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
