/**
 * Delivery `exactly-once`: a batch's alerts and dead letters and the input offsets they account for
 * are one Kafka transaction, so a consumer reading with read_committed (kafkajs's default, and the
 * Java client's `isolation.level=read_committed`) sees each alert exactly once, whatever crashes,
 * rebalances or retries happen in between.
 *
 * One transactional producer per input partition, with a transactional id made of the group, the
 * topic and the partition (the classic pattern: kafkajs has no KIP-447 group-fenced producers).
 * The worker that takes a partition over initialises the same id and so fences the previous owner:
 * a zombie's transaction can never commit. A fenced or rebalanced batch is aborted, and its
 * partition's next owner re-reads from the committed offsets.
 */
import type { Kafka, Message, PartitionOffset, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { chunkMessages } from './chunks.js';
import { RETRY_WITHOUT_END } from './connection.js';
import { isRebalanceError } from './rebalance-errors.js';

/** Errors that mean another producer with this transactional id took over (the partition moved). */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

const TRANSACTION_TIMEOUT_MS = 120_000;

/** How a transaction ended: committed, or given up because the partition is no longer this worker's. */
export type TransactionOutcome = 'committed' | 'fenced';

function hasType(e: unknown, types: ReadonlySet<string>): boolean {
  for (let err = e as { type?: string; cause?: unknown } | undefined, depth = 0; err != null && depth < 5; depth++) {
    if (types.has(err.type ?? '')) return true;
    err = err.cause as typeof err;
  }
  return false;
}

export interface TransactionalOutputOptions {
  readonly kafka: Kafka;
  readonly group: string;
  readonly topic: string;
  readonly log: Logger;
  /** Test seam: awaited between a transaction's sends and its commit (to freeze a zombie there). */
  readonly beforeCommit?: (partition: number) => Promise<void>;
}

export class TransactionalOutput {
  private readonly producers = new Map<number, Promise<Producer>>();

  constructor(private readonly options: TransactionalOutputOptions) {}

  /** The transactional id of a partition's producer (stable: a takeover fences the old owner). */
  transactionalId(partition: number): string {
    return `${this.options.group}.${this.options.topic}.${partition}`;
  }

  /**
   * Sends `records` (topic → messages, in order) and commits `offset` (the next offset to read) of
   * `partition` for the group, with `metadata` (the checkpoint pointer), atomically.
   */
  async publishAndCommit(
    partition: number,
    records: ReadonlyArray<readonly [string, readonly Message[]]>,
    offset: bigint,
    metadata: string | null = null,
  ): Promise<TransactionOutcome> {
    const producer = await this.producerFor(partition);
    const transaction = await producer.transaction();
    try {
      for (const [topic, messages] of records)
        for (const chunk of chunkMessages(messages)) await transaction.send({ topic, messages: chunk, acks: -1 });
      await transaction.sendOffsets({
        consumerGroupId: this.options.group,
        topics: [{ topic: this.options.topic, partitions: [withMetadata({ partition, offset: offset.toString() }, metadata)] }],
      });
      await this.options.beforeCommit?.(partition);
      await transaction.commit();
      return 'committed';
    } catch (e) {
      await transaction.abort().catch(() => undefined);
      if (hasType(e, FENCED) || isRebalanceError(e)) {
        this.options.log.warn({ partition, err: e }, 'transaction aborted: the partition moved to another worker');
        await this.drop(partition);
        return 'fenced';
      }
      throw e;
    }
  }

  /**
   * The partition was assigned to this worker: start its producer now. Initialising the
   * transactional id fences the previous owner at once, before this worker fetches: a previous
   * owner that is stalled rather than dead cannot commit a transaction in between.
   */
  prepare(partition: number): void {
    this.producerFor(partition).catch((e: unknown) =>
      this.options.log.warn({ partition, err: e }, 'transactional producer not ready; retried at the first batch'),
    );
  }

  /** The partition left this worker: close its producer. */
  async drop(partition: number): Promise<void> {
    const producer = this.producers.get(partition);
    this.producers.delete(partition);
    await (await producer?.catch(() => undefined))?.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((p) => this.drop(p)));
  }

  private producerFor(partition: number): Promise<Producer> {
    let producer = this.producers.get(partition);
    if (producer === undefined) {
      producer = (async () => {
        const p = this.options.kafka.producer({
          transactionalId: this.transactionalId(partition),
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          // Past this the coordinator aborts an open transaction (a long publish stall): the batch
          // is then re-read from the committed offsets, like a moved partition.
          transactionTimeout: TRANSACTION_TIMEOUT_MS,
          retry: { ...RETRY_WITHOUT_END },
        });
        await p.connect();
        return p;
      })();
      producer.catch(() => this.producers.delete(partition));
      this.producers.set(partition, producer);
    }
    return producer;
  }
}

/** kafkajs passes a partition's `metadata` on to TxnOffsetCommit, though its PartitionOffset type leaves it out. */
function withMetadata(offset: PartitionOffset, metadata: string | null): PartitionOffset {
  return Object.assign(offset, { metadata });
}
