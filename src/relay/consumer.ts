/**
 * The relay's kafkajs consumer on the alerts topic, in its own group (`relay.group_id`).
 *
 * It never commits offsets. The relay's state is a fold over the whole topic (a firing alert may
 * have fired long before any committed offset), so a committed offset could only make a restarted
 * relay skip records its state needs. With nothing committed, `fromBeginning` applies to every
 * assignment — first start, restart, rebalance — and each assignment rebuilds its partitions from
 * the earliest retained offset. The group still splits the partitions between relay replicas and
 * moves them when one dies. Should kafkajs ever resume an assigned partition from elsewhere,
 * the relay asks for a seek back to the beginning (track.ts).
 */
import type { Kafka, Admin, Consumer, EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { kafkaClient } from '../kafka/connection.js';
import { ensureTopics } from '../kafka/topics.js';
import type { Relay } from './relay.js';
import type { PartitionOffsets } from './track.js';

export interface AlertsConsumerOptions {
  readonly config: Config;
  readonly brokers: readonly string[];
  readonly relay: Relay;
  readonly logger: Logger;
  /** The consumer crashed and kafkajs will not restart it. */
  readonly onFatal?: (error: Error) => void;
}

export class AlertsConsumer {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly topic: string;
  /** The latest assignment's offsets, handed to the relay; batches wait for it. */
  private assignment: Promise<void> = Promise.resolve();
  private crashed: Error | null = null;

  constructor(private readonly options: AlertsConsumerOptions) {
    const k = options.config.kafka;
    this.topic = k.topics.alerts;
    this.kafka = kafkaClient(k, options.brokers, options.logger);
    this.admin = this.kafka.admin();
    this.consumer = this.kafka.consumer({
      groupId: options.config.relay.groupId,
      sessionTimeout: k.sessionTimeoutMs,
      heartbeatInterval: k.heartbeatIntervalMs,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    });
  }

  /** Makes sure the alerts topic exists, joins the group and starts reading. */
  async start(): Promise<void> {
    const k = this.options.config.kafka;
    await this.admin.connect();
    const created = await ensureTopics(this.admin, [this.topic], {
      create: k.createTopics,
      partitions: k.partitions,
      replicationFactor: k.replicationFactor,
    });
    if (created.length > 0) this.options.logger.info({ topics: created }, 'created topics');
    await this.consumer.connect();
    const events = this.consumer.events;
    this.consumer.on(events.GROUP_JOIN, (e) => this.onJoin(e.payload.memberAssignment));
    this.consumer.on(events.CRASH, (e) => {
      // Only a crash kafkajs will not restart from is fatal: after a restart the relay carries on.
      if (!e.payload.restart) this.crashed = e.payload.error;
      this.options.logger.error({ err: e.payload.error, restart: e.payload.restart }, 'relay consumer crashed');
      if (!e.payload.restart) this.options.onFatal?.(e.payload.error);
    });
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(payload) });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }

  health(): { ok: boolean; detail: object } {
    return this.crashed === null ? { ok: true, detail: {} } : { ok: false, detail: { error: this.crashed.message } };
  }

  /** Chained, so assignments reach the relay in the order the group made them. */
  private onJoin(memberAssignment: Record<string, number[]>): void {
    const partitions = memberAssignment[this.topic] ?? [];
    this.assignment = this.assignment
      .catch(() => undefined)
      .then(() => this.offsetsOf(partitions))
      .then((offsets) => this.options.relay.assign(offsets));
  }

  /** Each assigned partition's earliest offset and current end (the history to rebuild). */
  private async offsetsOf(partitions: readonly number[]): Promise<PartitionOffsets[]> {
    const wanted = new Set(partitions);
    const all = await this.admin.fetchTopicOffsets(this.topic);
    return all
      .filter((p) => wanted.has(p.partition))
      .map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  private async onBatch({ batch }: EachBatchPayload): Promise<void> {
    await this.assignment;
    const records = batch.messages.map((m) => ({ offset: BigInt(m.offset), timestamp: Number(m.timestamp), value: m.value }));
    const rewind = this.options.relay.fold(batch.partition, records);
    if (rewind !== undefined) this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(rewind) });
  }
}
