/**
 * Reads changelog partitions from their start, or from a given offset (checkpoint-pointer.ts), to
 * their high watermark (as of the read) into a ChangelogImage.
 *
 * kafkajs has no manual partition assignment, so the reader is a consumer of a group of its own
 * (`<group>.restore.<random>`, nothing committed; alone in it, it holds every changelog partition)
 * that keeps all of them paused between reads. A read seeks the wanted partitions to where it
 * starts, resumes them, and pauses each again once read up to its watermark. The reader joins its
 * group once, ahead of the first read (warm), and stays: a new group's first join waits
 * group.initial.rebalance.delay.ms on the broker (3 s by default), which a restore would
 * otherwise add to the time its partitions stay paused, every round. Reads run one at a time.
 * A reader whose read timed out, or whose consumer kafkajs gave up on, starts over with a new
 * consumer (and group) at its next read.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { ChangelogImage } from './changelog-records.js';

export interface ChangelogReaderOptions {
  readonly topic: string;
  /** The worker's consumer group: the reader's own group is named after it. */
  readonly group: string;
  readonly log: Logger;
}

export interface ChangelogRead {
  /** Changelog partitions to read. */
  readonly partitions: readonly number[];
  /** Where to start reading some of them (else at their start). */
  readonly from?: ReadonlyMap<number, bigint>;
  /** For the whole read: the watermarks, joining the group if not yet joined, and the records. */
  readonly timeoutMs: number;
}

export class ChangelogUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ChangelogUnavailableError';
  }
}

const closedError = () => new ChangelogUnavailableError('the changelog reader was closed');

/** Where a partition's read starts and the high watermark it ends at: [from, end). */
interface ReadRange {
  readonly from: bigint;
  readonly end: bigint;
}

/** The read in progress. */
interface Reading {
  readonly image: ChangelogImage;
  /** Partitions not yet read up to their watermark. */
  readonly left: Map<number, ReadRange>;
  readonly finished: () => void;
  readonly failed: (e: Error) => void;
}

export class ChangelogReader {
  /** Joined (or joining) consumer; null before the first read and after one gave up. */
  private joined: Promise<Consumer> | null = null;
  /** `joined` once it has resolved. */
  private ready: Promise<Consumer> | null = null;
  private reading: Reading | null = null;
  /** The reads queued one after the other. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ChangelogReaderOptions,
  ) {}

  /** Joins the reader's group in the background, so that the first read finds it joined. */
  warm(): void {
    this.consumer().catch((e: unknown) => this.options.log.warn({ err: e }, 'changelog reader not joined yet: the first restore joins it'));
  }

  /** Everything the wanted partitions hold now; throws ChangelogUnavailableError when that takes longer than the timeout. */
  read(request: ChangelogRead): Promise<ChangelogImage> {
    const result = this.queue.then(() => this.readNow(request));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Leaves the reader's group (a read in progress fails). */
  async close(): Promise<void> {
    this.closed = true;
    this.reading?.failed(closedError());
    await this.discard();
  }

  private async readNow(request: ChangelogRead): Promise<ChangelogImage> {
    if (this.closed) throw closedError();
    const deadline = Date.now() + request.timeoutMs;
    const left = await withDeadline(this.readRanges(request), deadline, () => 'reading the watermarks');
    const image = new ChangelogImage();
    if (left.size === 0) return image;
    const consumer = await withDeadline(this.consumer(), deadline, () => 'joining the reader group');
    if (this.closed) throw closedError(); // while it joined
    const done = new Promise<void>((finished, failed) => (this.reading = { image, left, finished, failed }));
    const { topic } = this.options;
    try {
      // Applied before the next fetch of each; batches fetched from the old position are dropped.
      for (const [partition, range] of left) consumer.seek({ topic, partition, offset: range.from.toString() });
      consumer.resume([{ topic, partitions: [...left.keys()] }]);
      await withDeadline(done, deadline, () => `reading up to the high watermark (${left.size} partition(s) left)`);
      return image;
    } catch (e) {
      // A timed-out read may have a consumer kafkajs is still retrying: the next read starts anew.
      await this.discard();
      throw e;
    } finally {
      this.reading = null;
    }
  }

  /** The joined consumer: joins the group (once) if not yet done. */
  private consumer(): Promise<Consumer> {
    if (this.closed) return Promise.reject(closedError());
    if (this.joined === null) {
      const joined = this.join();
      this.joined = joined;
      joined.then(
        () => (this.ready = joined),
        () => {
          // join() leaves nothing behind when it fails: the next read tries again.
          if (this.joined === joined) this.joined = null;
        },
      );
    }
    return this.joined;
  }

  private async join(): Promise<Consumer> {
    const { topic, group, log } = this.options;
    const consumer = this.kafka.consumer({
      groupId: `${group}.restore.${randomBytes(4).toString('hex')}`,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 8 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    const joined = consumer; // for the handlers: this.joined may be another consumer by the time they run
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      // Emitted before the first fetch after each join: only the partitions of a read in progress
      // are fetched, from where that read starts (a join forgets positions; nothing is committed).
      const assigned = e.payload.memberAssignment[topic] ?? [];
      const left = this.reading?.left ?? new Map<number, ReadRange>();
      const idle = assigned.filter((p) => !left.has(p));
      if (idle.length > 0) joined.pause([{ topic, partitions: idle }]);
      for (const [partition, range] of left) joined.seek({ topic, partition, offset: range.from.toString() });
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (e.payload.restart) return; // kafkajs joins again by itself (GROUP_JOIN above)
      log.warn({ err: e.payload.error }, 'changelog reader stopped: the next restore starts a new one');
      this.reading?.failed(new ChangelogUnavailableError('the changelog reader stopped', { cause: e.payload.error }));
      void this.discard();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(joined, payload) });
      return consumer;
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
  }

  private async onBatch(consumer: Consumer, { batch }: EachBatchPayload): Promise<void> {
    const { topic } = this.options;
    const reading = this.reading;
    const range = reading?.left.get(batch.partition);
    if (reading === null || range === undefined) {
      consumer.pause([{ topic, partitions: [batch.partition] }]); // read already, or not wanted
      return;
    }
    for (const m of batch.messages) if (BigInt(m.offset) >= range.from) reading.image.add(m.key, m.value);
    if (BigInt(batch.lastOffset()) + 1n >= range.end) {
      reading.left.delete(batch.partition);
      consumer.pause([{ topic, partitions: [batch.partition] }]);
      if (reading.left.size === 0) reading.finished();
    }
  }

  /**
   * Drops the consumer (leaving its group); the next read joins a new one. A join still under way
   * (an unreachable broker) is not waited for: it leaves when it ends.
   */
  private async discard(): Promise<void> {
    const joined = this.joined;
    this.joined = null;
    if (joined === null) return;
    const leave = joined.then(
      (consumer) => consumer.disconnect().catch(() => undefined),
      () => undefined,
    );
    if (this.ready === joined) await leave;
  }

  /** Wanted partitions that hold records past where their read starts. */
  private async readRanges(request: ChangelogRead): Promise<Map<number, ReadRange>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.options.topic);
      const wanted = new Set(request.partitions);
      const ranges = offsets
        .filter((p) => wanted.has(p.partition))
        .map((p) => {
          const low = BigInt(p.low);
          const from = request.from?.get(p.partition) ?? low;
          return [p.partition, { from: from > low ? from : low, end: BigInt(p.high) }] as const;
        });
      return new Map(ranges.filter(([, r]) => r.end > r.from));
    } finally {
      await admin.disconnect();
    }
  }
}

async function withDeadline<T>(promise: Promise<T>, deadline: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ChangelogUnavailableError(`reading the changelog timed out ${what()}`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
