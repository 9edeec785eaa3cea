/**
 * The ingest stage: a kafkajs consumer-group member (`ingest.group_id`) on the pipeline topics of
 * `ingest.topics`, producing records keyed by series id to `kafka.topics.metrics`, so that the
 * default partitioner sends every sample of a series to one partition, hence one worker.
 *
 * Delivery, as the worker's: per input batch, the keyed records and then the dead letters are sent
 * with acks = all on an idempotent producer, one request after the other (kafkajs does not keep
 * concurrent sends in order), and only after the broker acknowledged all of them is the batch's
 * offset committed. A stage that dies loses nothing; its successor re-reads from the last commit
 * and may produce some samples twice (at-least-once: the worker scores a repeated point again).
 *
 * Order: a series' points leave in the order they arrived on their input partition, batch after
 * batch (kafkajs hands this member one batch at a time). Samples of one series that a pipeline
 * spread over several input partitions had no order between them to begin with.
 */
import { GroupPartitioner } from './group-partitioner.js';
import type { Consumer, EachBatchPayload, Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { IngestCompression } from '../config/types.js';
import { kafkaClient } from '../kafka/connection.js';
import { ensureTopics } from '../kafka/topics.js';
import { chunkMessages } from '../kafka/chunks.js';
import type { IngestDecoder, IngestFormat } from './format.js';
import { IngestTranslator, type TopicFormat, type TranslatedBatch } from './translator.js';
import { recordIngestBatch, recordSkips, type IngestMetrics } from './metrics.js';

export interface IngestStageOptions {
  readonly config: Config;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  readonly decoderFor: (format: IngestFormat) => IngestDecoder;
  readonly sniff: (value: Uint8Array) => IngestFormat | undefined;
  /** Wall clock (ms), for dead-letter times. */
  readonly now?: () => number;
  /** Called when the consumer crashed and kafkajs will not restart it. */
  readonly onFatal?: (error: Error) => void;
}

/** Kafka's codec numbers (the record batch attributes), as kafkajs's CompressionTypes. */
const COMPRESSION_CODES: Readonly<Record<IngestCompression, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3 };

/** Kafka errors that mean "this member no longer owns what it tried to commit". */
const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR']);

function isRebalanceError(e: unknown): boolean {
  const err = e as { type?: string; name?: string };
  return REBALANCE_ERRORS.has(err?.type ?? '') || err?.name === 'KafkaJSRebalanceInProgress';
}

export class IngestStage {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly translator: IngestTranslator;
  private readonly formats: ReadonlyMap<string, TopicFormat>;
  /** kafkajs's code of ingest.compression (codecs registered by kafkaClient()). */
  private readonly compression: number;
  private readonly skipsSeen = new Map<IngestDecoder, Record<string, number>>();
  private readonly now: () => number;
  private readonly log: Logger;
  /** The batch being handled: shutdown waits for it. */
  private batchInHand: Promise<void> = Promise.resolve();
  private joined = false;
  private assigned = 0;
  private crashed: Error | null = null;
  private stopping = false;
  /** ingest.partition_by: partitions chosen by group labels; null = by key (the default). */
  private groupPartitioner: GroupPartitioner | null = null;

  constructor(private readonly options: IngestStageOptions) {
    const { kafka: k, ingest } = options.config;
    this.now = options.now ?? Date.now;
    this.log = options.logger;
    this.formats = new Map(ingest.topics.map((t) => [t.topic, t.format]));
    this.compression = COMPRESSION_CODES[ingest.compression];
    this.translator = new IngestTranslator({
      maxPointsPerRecord: ingest.maxPointsPerRecord,
      decoderFor: options.decoderFor,
      sniff: options.sniff,
    });
    this.kafka = kafkaClient(k, options.brokers, options.logger);
    this.consumer = this.kafka.consumer({
      groupId: ingest.groupId,
      sessionTimeout: k.sessionTimeoutMs,
      heartbeatInterval: k.heartbeatIntervalMs,
      maxWaitTimeInMs: ingest.fetchMaxWaitMs,
      minBytes: ingest.fetchMinBytes,
      maxBytesPerPartition: ingest.maxBytesPerPartition,
      allowAutoTopicCreation: false,
    });
    // As the worker's: retried without end, offsets wait until the broker has every record.
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
  }

  /** Makes the decoders of the configured formats (a format not built fails here, not per record), the topics, joins the group. */
  async start(): Promise<void> {
    const { kafka: k, ingest } = this.options.config;
    for (const t of ingest.topics) if (t.format !== 'auto') this.translator.decoder(t.format);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const created = await ensureTopics(admin, [...ingest.topics.map((t) => t.topic), k.topics.metrics, k.topics.deadLetter], {
        create: k.createTopics,
        partitions: k.partitions,
        replicationFactor: k.replicationFactor,
      });
      if (created.length > 0) this.log.info({ topics: created }, 'created topics');
      if (ingest.partitionBy.length > 0) {
        const [metadata] = (await admin.fetchTopicMetadata({ topics: [k.topics.metrics] })).topics;
        this.groupPartitioner = new GroupPartitioner(k.topics.metrics, ingest.partitionBy, metadata!.partitions.length);
      }
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
    await this.consumer.connect();
    const events = this.consumer.events;
    this.consumer.on(events.GROUP_JOIN, (e) => {
      const assignment = e.payload.memberAssignment;
      this.joined = true;
      this.assigned = Object.values(assignment).reduce((n, ps) => n + ps.length, 0);
      this.options.metrics.assignedPartitions.set(this.assigned);
      this.options.metrics.rebalances.inc();
      this.log.info({ assignment }, 'joined group');
    });
    this.consumer.on(events.CRASH, (e) => {
      // kafkajs restarts the consumer when it can: out of the group until it joins again, but not
      // dead (a liveness failure that never clears would get a recovered stage killed).
      this.joined = false;
      if (!e.payload.restart) this.crashed = e.payload.error;
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'ingest consumer crashed');
      if (!e.payload.restart) this.options.onFatal?.(e.payload.error);
    });
    await this.consumer.subscribe({ topics: ingest.topics.map((t) => t.topic), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => (this.batchInHand = this.onBatch(payload)),
    });
    this.log.info(
      { group: ingest.groupId, topics: ingest.topics, metrics: k.topics.metrics, deadLetter: k.topics.deadLetter },
      'ingest started',
    );
  }

  /** Stops fetching, lets the batch in hand finish (produce, commit), leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    try {
      this.consumer.pause(this.options.config.ingest.topics.map((t) => ({ topic: t.topic })));
    } catch {
      // Not running yet (stopped during start-up): nothing to pause.
    }
    await this.batchInHand.catch(() => undefined);
    await this.consumer.disconnect();
    await this.producer.disconnect();
    this.joined = false;
    this.log.info('ingest stopped');
  }

  ready(): { ok: boolean; detail: object } {
    const ok = this.joined && this.assigned > 0 && !this.stopping;
    return { ok, detail: { joined: this.joined, assignedPartitions: this.assigned, stopping: this.stopping } };
  }

  health(): { ok: boolean; detail: object } {
    return this.crashed === null ? { ok: true, detail: {} } : { ok: false, detail: { error: this.crashed.message } };
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isStale } = payload;
    const { topic, partition, messages } = batch;
    if (this.stopping || messages.length === 0 || isStale()) return;
    const started = performance.now();
    const format = this.formats.get(topic);
    if (format === undefined) throw new Error(`ingest: a batch of topic ${topic}, which is not in ingest.topics`);
    const result = this.translator.translate(messages, { topic, partition, format }, this.now());
    await this.publish(result);
    const m = this.options.metrics;
    // Counted once the broker has the output, whether or not the commit below goes through.
    recordIngestBatch(m, result);
    recordSkips(m, this.translator.decoders(), this.skipsSeen);
    for (const d of result.deadLetters) {
      if (d.reason === 'internal_error')
        this.log.error(
          { topic, partition, error: String(d.headers['sigmawatch-error']) },
          'record failed with an internal error; sent to the dead-letter topic',
        );
    }
    const last = messages[messages.length - 1]!.offset;
    resolveOffset(last);
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
    } catch (e) {
      // The partition moved while the batch was in hand: its new owner re-reads from the last
      // commit and produces these samples again (at-least-once). Anything else is real.
      if (!isRebalanceError(e)) throw e;
      this.log.warn({ topic, partition, offset: last, err: e }, 'offsets not committed: the group is rebalancing');
      return;
    }
    await heartbeat();
    m.consumerLag.labels(topic, String(partition)).set(Number(BigInt(batch.highWatermark) - BigInt(last) - 1n));
    m.batchDuration.observe((performance.now() - started) / 1000);
  }

  /** Keyed records, then dead letters, in requests the broker accepts, one at a time. */
  private async publish(result: TranslatedBatch): Promise<void> {
    const { topics } = this.options.config.kafka;
    // A PackedRecord is a kafkajs Message (key, value; kafkajs reads nothing else of it).
    const byGroup = this.groupPartitioner;
    const records: readonly Message[] =
      byGroup === null
        ? result.records
        : result.records.map((r) => ({ key: r.key, value: r.value, partition: byGroup.partitionOf(r.key) }));
    for (const [topic, messages] of [
      [topics.metrics, records],
      [topics.deadLetter, result.deadLetters],
    ] as const) {
      for (const chunk of chunkMessages(messages))
        await this.producer.send({ topic, messages: chunk, acks: -1, compression: this.compression });
    }
  }
}
