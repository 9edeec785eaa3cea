/**
 * The worker: a kafkajs consumer-group member that runs the detection core on its partitions and
 * publishes alert events.
 *
 * Delivery: per batch, the alerts (and dead letters) it produced are sent with acks = all on an
 * idempotent producer, and only after the broker acknowledged them are the batch's offsets
 * committed. A worker that dies loses no input; its successor re-reads from the last commit and
 * may re-send alerts, which carry the same deterministic id.
 *
 * Per batch: fetch → engine (decode, score, lifecycle, dead letters) → publish → commit →
 * metrics from the batch result. Rebalances: one Engine per assigned partition; a partition that
 * is no longer assigned after a group join drops its state, a newly assigned one starts empty.
 */
import { Kafka, type Consumer, type Producer, type EachBatchPayload, type Message } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Metrics } from '../observe/metrics.js';
import { kafkaLogCreator, kafkaLogLevel } from '../observe/logger.js';
import { encodeAlert, type AlertEvent } from '../codec/alerts.js';
import { Engine } from '../engine/engine.js';
import type { BatchResult } from '../engine/batch-result.js';
import { recordBatch } from './batch-metrics.js';
import { ensureTopics } from './topics.js';
import { kafkaConnection } from './connection.js';
import { chunkMessages } from './chunks.js';

export interface WorkerOptions {
  readonly config: Config;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Wall clock (ms), for latency metrics and dead-letter times; the core never reads it. */
  readonly now?: () => number;
  /** Called with every alert event after the broker acknowledged it (the demo prints them). */
  readonly onAlert?: (a: AlertEvent) => void;
  /** Called when the consumer crashed and kafkajs will not restart it: the worker is dead. */
  readonly onFatal?: (error: Error) => void;
}

/** Kafka errors that mean "this member no longer owns what it tried to commit". */
const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR']);

function isRebalanceError(e: unknown): boolean {
  const err = e as { type?: string; name?: string };
  return REBALANCE_ERRORS.has(err?.type ?? '') || err?.name === 'KafkaJSRebalanceInProgress';
}

/** Heartbeat at least every this many records inside a long batch. */
const HEARTBEAT_EVERY = 2048;

export class Worker {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly partitions = new Map<string, Engine>();
  private readonly now: () => number;
  private readonly log: Logger;
  private joined = false;
  private assigned = 0;
  private crashed: Error | null = null;
  private stopping = false;
  /** Last offset processed per "topic:partition", for the shutdown log line. */
  private readonly processed = new Map<string, string>();

  constructor(private readonly options: WorkerOptions) {
    const k = options.config.kafka;
    this.now = options.now ?? Date.now;
    this.log = options.logger;
    this.kafka = new Kafka({
      clientId: k.clientId,
      brokers: [...options.brokers],
      ...kafkaConnection(k),
      logLevel: kafkaLogLevel(options.logger.level),
      logCreator: kafkaLogCreator(options.logger.child({ component: 'kafkajs' })),
      retry: { retries: 8, initialRetryTime: 300 },
    });
    this.consumer = this.kafka.consumer({
      groupId: k.groupId,
      sessionTimeout: k.sessionTimeoutMs,
      heartbeatInterval: k.heartbeatIntervalMs,
      maxWaitTimeInMs: 250,
      maxBytesPerPartition: 4 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    // Unlimited retries: an alert is never dropped, and offsets wait until the broker has it.
    // (A broker that stays away stalls the batch; the group then moves the partitions on.)
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
  }

  /** Connects, makes sure the topics exist, joins the group and starts consuming. */
  async start(): Promise<void> {
    const { kafka: k } = this.options.config;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const created = await ensureTopics(admin, [k.topics.metrics, k.topics.alerts, k.topics.deadLetter], {
        create: k.createTopics,
        partitions: k.partitions,
        replicationFactor: k.replicationFactor,
      });
      if (created.length > 0) this.log.info({ topics: created }, 'created topics');
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
    await this.consumer.connect();
    const events = this.consumer.events;
    this.consumer.on(events.GROUP_JOIN, (e) => this.onJoin(e.payload.memberAssignment));
    this.consumer.on(events.CRASH, (e) => {
      this.crashed = e.payload.error;
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      if (!e.payload.restart) this.options.onFatal?.(e.payload.error);
    });
    await this.consumer.subscribe({ topics: [k.topics.metrics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.log.info({ group: k.groupId, topic: k.topics.metrics, alerts: k.topics.alerts, brokers: this.options.brokers, rules: this.options.config.rules.map((r) => r.name) }, 'worker started');
  }

  /** Stops fetching, lets the batch in hand finish (produce, commit), leaves the group, disconnects. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.consumer.disconnect();
    await this.producer.disconnect();
    this.joined = false;
    this.log.info({ processed: Object.fromEntries(this.processed) }, 'worker stopped');
  }

  /** Ready once joined to the group with at least one partition. */
  ready(): { ok: boolean; detail: object } {
    const ok = this.joined && this.assigned > 0 && !this.stopping;
    return { ok, detail: { joined: this.joined, assignedPartitions: this.assigned, stopping: this.stopping } };
  }

  health(): { ok: boolean; detail: object } {
    return this.crashed === null ? { ok: true, detail: {} } : { ok: false, detail: { error: this.crashed.message } };
  }

  /** Live series per partition (for tests and the demo). */
  seriesCount(): number {
    let n = 0;
    for (const engine of this.partitions.values()) n += engine.seriesCount;
    return n;
  }

  private onJoin(assignment: Record<string, number[]>): void {
    const keep = new Set<string>();
    for (const [topic, parts] of Object.entries(assignment)) for (const p of parts) keep.add(`${topic}:${p}`);
    for (const key of [...this.partitions.keys()]) {
      if (!keep.has(key)) {
        this.partitions.delete(key);
        this.options.metrics.activeSeries.remove(key.slice(key.lastIndexOf(':') + 1));
      }
    }
    this.joined = true;
    this.assigned = keep.size;
    this.options.metrics.rebalances.inc();
    this.options.metrics.assignedPartitions.set(keep.size);
    this.log.info({ assignment }, 'joined group');
  }

  private engineFor(topic: string, partition: number): Engine {
    const key = `${topic}:${partition}`;
    let engine = this.partitions.get(key);
    if (engine === undefined) {
      const { store, rules, alerts } = this.options.config;
      engine = new Engine({
        rules,
        maxSeries: store.maxSeries,
        initialCapacity: store.initialCapacity,
        idleTimeoutMs: store.idleTimeoutMs,
        flapWindowMs: alerts.flapWindowMs,
        source: { topic, partition },
      });
      this.partitions.set(key, engine);
    }
    return engine;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    const started = performance.now();
    const { topic, partition } = batch;
    const engine = this.engineFor(topic, partition);
    engine.begin(this.now());
    let n = 0;
    for (const m of batch.messages) {
      if (isStale()) break;
      engine.process(m);
      if (++n % HEARTBEAT_EVERY === 0) await heartbeat();
    }
    const result = engine.finish();
    const last = result.lastOffset;
    if (last === null) return;
    this.processed.set(`${topic}:${partition}`, last);

    await this.publish(result);
    const ackedAt = this.now();
    // Counted once the broker has the output, whether or not the commit below goes through: the
    // alerts were delivered either way.
    recordBatch(this.options.metrics, result, { rules: this.options.config.rules, partition: String(partition), series: engine.seriesCount, ackedAt });
    for (const d of result.deadLetters) {
      if (d.reason === 'internal_error') this.log.error({ topic, partition, error: String(d.headers['sigmawatch-error']) }, 'record failed with an internal error; sent to the dead-letter topic');
    }
    for (const a of result.alerts) this.options.onAlert?.(a.event);
    resolveOffset(last);
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
    } catch (e) {
      // The partition moved while the batch was in hand: its new owner re-reads from the last
      // commit and re-sends these alerts with the same ids (at-least-once). Anything else is real.
      if (!isRebalanceError(e)) throw e;
      this.log.warn({ topic, partition, offset: last, err: e }, 'offsets not committed: the group is rebalancing');
      return;
    }
    await heartbeat();
    const lag = Number(BigInt(batch.highWatermark) - BigInt(last) - 1n);
    this.options.metrics.consumerLag.labels(topic, String(partition)).set(lag);
    this.options.metrics.batchDuration.observe((performance.now() - started) / 1000);
  }

  /** Alerts, then dead letters, each in requests the broker accepts, one at a time (kafkajs does not keep concurrent sends in order). */
  private async publish(result: BatchResult): Promise<void> {
    const { topics } = this.options.config.kafka;
    const format = this.options.config.alerts.format;
    const alerts: Message[] = result.alerts.map(({ event }) => ({ key: event.series, value: encodeAlert(event, format) }));
    for (const [topic, messages] of [[topics.alerts, alerts], [topics.deadLetter, result.deadLetters]] as const) {
      for (const chunk of chunkMessages(messages)) await this.producer.send({ topic, messages: chunk, acks: -1 });
    }
  }
}
