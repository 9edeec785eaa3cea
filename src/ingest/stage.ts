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
import { deliveringProducer, kafkaClient } from '../kafka/connection.js';
import { isRebalanceError } from '../kafka/rebalance-errors.js';
import { WorkerHealth } from '../kafka/health.js';
import { whileHeartbeating } from '../kafka/heartbeating.js';
import type { ProbeResult } from '../observe/http.js';
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
  /** Liveness and readiness as the worker's (kafka/health.ts): stuck batches, blocked publishes. */
  private readonly probes: WorkerHealth;
  private readonly heartbeating: Parameters<typeof whileHeartbeating>[2];
  private stopping = false;
  /** ingest.partition_by: partitions chosen by group labels; null = by key (the default). */
  private groupPartitioner: GroupPartitioner | null = null;

  constructor(private readonly options: IngestStageOptions) {
    const { kafka: k, ingest } = options.config;
    this.now = options.now ?? Date.now;
    this.log = options.logger;
    this.probes = new WorkerHealth({ ...options.config.health, now: this.now });
    this.heartbeating = { intervalMs: options.config.kafka.heartbeatIntervalMs, probes: this.probes, log: this.log };
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
    this.producer = deliveringProducer(this.kafka);
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
      // Partitions of several input topics: named topic:partition for the probes' lag bookkeeping.
      const partitions = Object.entries(assignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}:${p}`));
      this.probes.joined(partitions);
      this.options.metrics.assignedPartitions.set(partitions.length);
      this.options.metrics.rebalances.inc();
      this.log.info({ assignment }, 'joined group');
    });
    this.consumer.on(events.CRASH, (e) => {
      // kafkajs restarts the consumer when it can: out of the group until it joins again, but
      // alive (liveness judges progress); a consumer that will not restart ends the process.
      this.probes.left();
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
    this.probes.stop();
    try {
      this.consumer.pause(this.options.config.ingest.topics.map((t) => ({ topic: t.topic })));
    } catch {
      // Not running yet (stopped during start-up): nothing to pause.
    }
    await this.batchInHand.catch(() => undefined);
    await this.consumer.disconnect();
    await this.producer.disconnect();
    this.log.info('ingest stopped');
  }

  /** `/readyz`: in the group (with or without partitions: a spare replica) and able to publish. */
  ready(): ProbeResult {
    return this.probes.readiness();
  }

  /** `/healthz`: fails only while the stage is stuck (kafka/health.ts). */
  health(): ProbeResult {
    return this.probes.liveness();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isStale } = payload;
    const { topic, partition, messages } = batch;
    if (this.stopping || messages.length === 0 || isStale()) return;
    const started = performance.now();
    const format = this.formats.get(topic);
    if (format === undefined) throw new Error(`ingest: a batch of topic ${topic}, which is not in ingest.topics`);
    const last = messages[messages.length - 1]!.offset;
    const lag = Number(BigInt(batch.highWatermark) - BigInt(last) - 1n);
    this.probes.batchStarted();
    try {
      const result = this.translator.translate(messages, { topic, partition, format }, this.now());
      // Heartbeats while the output waits (metrics topic or broker away): the member keeps its place.
      await whileHeartbeating(() => this.publish(result), heartbeat, this.heartbeating);
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
      if (!(await this.commit(payload, last))) return;
      m.consumerLag.labels(topic, String(partition)).set(lag);
      m.batchDuration.observe((performance.now() - started) / 1000);
    } finally {
      this.probes.batchFinished(`${topic}:${partition}`, Math.max(0, lag));
    }
  }

  /** Commits the batch up to `last`; false when a rebalance refused it (the new owner re-reads: at-least-once). */
  private async commit(payload: EachBatchPayload, last: string): Promise<boolean> {
    const { topic, partition } = payload.batch;
    payload.resolveOffset(last);
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
      await payload.heartbeat();
      return true;
    } catch (e) {
      // The partition moved while the batch was in hand: its new owner re-reads from the last
      // commit and produces these samples again (at-least-once). Anything else is real.
      if (!isRebalanceError(e)) throw e;
      this.log.warn({ topic, partition, offset: last, err: e }, 'offsets not committed: the group is rebalancing');
      return false;
    }
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
