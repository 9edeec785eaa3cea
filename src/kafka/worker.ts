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
 * metrics from the batch result → checkpoint when due. Rebalances: one Engine per assigned
 * partition; a partition that is no longer assigned after a group join drops its state; a newly
 * assigned one is restored from its latest checkpoint on the changelog (restorer.ts), then
 * replays the records up to the committed offset without output, then goes live. Checkpoints are
 * written every checkpoint.interval after a commit and on a graceful shutdown (checkpointer.ts).
 */
import type { Kafka, Consumer, Producer, EachBatchPayload, Message } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Metrics } from '../observe/metrics.js';
import { encodeAlert, type AlertEvent } from '../codec/alerts.js';
import { Engine } from '../engine/engine.js';
import type { BatchResult } from '../engine/batch-result.js';
import { recordBatch } from './batch-metrics.js';
import { ensureTopics } from './topics.js';
import { deliveringProducer, kafkaClient } from './connection.js';
import { chunkMessages } from './chunks.js';
import { rulesFingerprint } from '../engine/fingerprint.js';
import { PartitionState } from './partition-state.js';
import { ensureChangelog } from './changelog-topic.js';
import { ChangelogWriter } from './changelog-writer.js';
import { Checkpointer } from './checkpointer.js';
import { Restorer } from './restorer.js';
import { ChangelogReader } from './changelog-reader.js';
import { checkpointMetrics } from './checkpoint-metrics.js';
import { WorkerHealth } from './health.js';
import { SeriesBudget } from '../core/series-budget.js';
import { TransactionalOutput } from './transactional-output.js';
import { whileHeartbeating } from './heartbeating.js';
import { isRebalanceError } from './rebalance-errors.js';
import type { ProbeResult } from '../observe/http.js';

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

/** Heartbeat at least every this many records inside a long batch. */
const HEARTBEAT_EVERY = 2048;

export class Worker {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  /** Checkpoints have their own producer: a large one must not queue in front of alerts. Null when checkpoints are off. */
  private readonly changelogProducer: Producer | null;
  private readonly partitions = new Map<string, PartitionState>();
  private restorer: Restorer | null = null;
  private changelogReader: ChangelogReader | null = null;
  private checkpointer: Checkpointer | null = null;
  /** The batch being processed (kafkajs hands over one at a time): shutdown waits for it before the last checkpoints. */
  private batchInHand: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly probes: WorkerHealth;
  /** store.max_series bounds the worker's live series, shared by its partitions. */
  private readonly seriesBudget: SeriesBudget;
  /** Delivery exactly-once: one transactional producer per partition; null at-least-once. */
  private readonly transactions: TransactionalOutput | null;
  private readonly heartbeating: Parameters<typeof whileHeartbeating>[2];
  private stopping = false;
  /** Last offset processed per "topic:partition", for the shutdown log line. */
  private readonly processed = new Map<string, string>();

  constructor(private readonly options: WorkerOptions) {
    const k = options.config.kafka;
    this.now = options.now ?? Date.now;
    this.log = options.logger;
    this.probes = new WorkerHealth({ ...options.config.health, now: this.now });
    this.seriesBudget = new SeriesBudget(options.config.store.maxSeries);
    this.heartbeating = { intervalMs: options.config.kafka.heartbeatIntervalMs, probes: this.probes, log: this.log };
    this.kafka = kafkaClient(k, options.brokers, options.logger);
    this.consumer = this.kafka.consumer({
      groupId: k.groupId,
      sessionTimeout: k.sessionTimeoutMs,
      heartbeatInterval: k.heartbeatIntervalMs,
      maxWaitTimeInMs: 250,
      maxBytesPerPartition: 4 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    // An alert is never dropped: offsets wait until the broker has it.
    this.producer = deliveringProducer(this.kafka);
    this.transactions =
      k.delivery === 'exactly-once'
        ? new TransactionalOutput({
            kafka: this.kafka,
            group: k.groupId,
            topic: k.topics.metrics,
            log: this.log.child({ component: 'transactions' }),
          })
        : null;
    this.changelogProducer = options.config.checkpoint.enabled
      ? this.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 5, initialRetryTime: 300 } })
      : null;
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
      if (this.changelogProducer !== null)
        await this.prepareCheckpoints(
          await ensureChangelog(
            admin,
            { changelog: this.changelogTopic, metrics: k.topics.metrics, create: k.createTopics, replicationFactor: k.replicationFactor },
            this.log,
          ),
        );
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
    await this.consumer.connect();
    const events = this.consumer.events;
    this.consumer.on(events.GROUP_JOIN, (e) => this.onJoin(e.payload.memberAssignment));
    this.consumer.on(events.REBALANCING, () => {
      // Partitions may move: checkpoint what moved since the last checkpoints, so that their next
      // owner restores this state instead of replaying up to an interval of records.
      const queued = this.checkpointer?.beforeRebalance(this.partitions.values()) ?? 0;
      if (queued > 0) this.log.info({ partitions: queued }, 'group rebalancing: checkpointing partitions');
    });
    this.consumer.on(events.CRASH, (e) => {
      // kafkajs restarts the consumer itself when it can: out of the group until it joins again,
      // but alive (liveness judges progress, not this event).
      this.probes.left();
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      if (!e.payload.restart) this.options.onFatal?.(e.payload.error);
    });
    await this.consumer.subscribe({ topics: [k.topics.metrics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => (this.batchInHand = this.onBatch(payload)),
    });
    this.log.info(
      {
        group: k.groupId,
        topic: k.topics.metrics,
        alerts: k.topics.alerts,
        changelog: this.changelogProducer === null ? null : this.changelogTopic,
        brokers: this.options.brokers,
        rules: this.options.config.rules.map((r) => r.name),
      },
      'worker started',
    );
  }

  private get changelogTopic(): string {
    const topics = this.options.config.kafka.topics;
    return topics.changelog ?? `${topics.metrics}.changelog`;
  }

  /** The changelog writer, the checkpoint schedule and the restorer, once the changelog exists. */
  private async prepareCheckpoints(changelogPartitions: number): Promise<void> {
    const { config, metrics } = this.options;
    const log = this.log.child({ component: 'checkpoints' });
    const cm = checkpointMetrics(metrics.registry);
    const fingerprint = rulesFingerprint(config.rules);
    const producer = this.changelogProducer!;
    await producer.connect();
    const writer = new ChangelogWriter({
      producer,
      topic: this.changelogTopic,
      changelogPartitions,
      group: config.kafka.groupId,
      log,
      metrics: cm,
      now: this.now,
    });
    this.checkpointer = new Checkpointer({ writer, interval: config.checkpoint.interval, fingerprint, metrics: cm, log, now: this.now });
    this.changelogReader = new ChangelogReader(this.kafka, { topic: this.changelogTopic, group: config.kafka.groupId, log });
    // Joined now, alongside the worker's own join, so that no restore waits for it.
    this.changelogReader.warm();
    this.restorer = new Restorer({
      kafka: this.kafka,
      consumer: this.consumer,
      topic: config.kafka.topics.metrics,
      group: config.kafka.groupId,
      reader: this.changelogReader,
      changelogPartitions,
      timeoutMs: config.checkpoint.restoreTimeoutMs,
      context: (partition) => ({
        engineOptions: this.engineOptions(config.kafka.topics.metrics, partition),
        fingerprint,
        group: config.kafka.groupId,
      }),
      newEngine: (partition) => new Engine(this.engineOptions(config.kafka.topics.metrics, partition)),
      install: (state) => this.partitions.set(state.key, state),
      writer,
      metrics: cm,
      log,
      now: this.now,
    });
  }

  /**
   * Stops fetching, lets the batch in hand finish (produce, commit), checkpoints every partition
   * that moved since its last checkpoint (still a member of the group, so its successor reads the
   * final one) and commits where they lie, leaves the group, disconnects.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.probes.stop();
    if (this.checkpointer !== null) {
      try {
        this.consumer.pause([{ topic: this.options.config.kafka.topics.metrics }]);
      } catch {
        // Not running yet (stopped during start-up): nothing to pause.
      }
      await this.batchInHand.catch(() => undefined);
      await this.checkpointer.flush(this.partitions.values(), this.options.config.shutdown.deadlineMs / 2);
      await this.commitCheckpointPointers();
    }
    await this.consumer.disconnect();
    await this.changelogReader?.close();
    await this.producer.disconnect();
    await this.transactions?.close();
    await this.changelogProducer?.disconnect();
    this.log.info({ processed: Object.fromEntries(this.processed) }, 'worker stopped');
  }

  /**
   * The pointers of the shutdown checkpoints, committed with the offsets those reflect (the
   * committed ones: no batch runs any more), so that the successors read the changelog from there.
   */
  private async commitCheckpointPointers(): Promise<void> {
    const topic = this.options.config.kafka.topics.metrics;
    const offsets = [...this.partitions.values()]
      .filter((p) => p.settled && p.checkpointPointer !== null)
      .map((p) => ({ topic, partition: p.partition, offset: p.committed!.toString(), metadata: p.checkpointPointer }));
    if (offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (e) {
      this.log.warn({ err: e }, 'checkpoint positions not committed: the successors read the changelog from older ones');
    }
  }

  /** `/readyz`: in the group (with or without partitions) and able to publish (see health.ts). */
  ready(): ProbeResult {
    const r = this.probes.readiness();
    return { ok: r.ok, detail: { ...r.detail, restoringPartitions: this.restorer?.partitions() ?? [] } };
  }

  /** Partitions of the metrics topic this worker holds now. */
  assignedPartitions(): number {
    return this.probes.assignedPartitions;
  }

  /** `/healthz`: fails only while the worker is stuck (see health.ts). */
  health(): ProbeResult {
    return this.probes.liveness();
  }

  /** Live series per partition (for tests and the demo). */
  seriesCount(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.engine.seriesCount;
    return n;
  }

  private onJoin(assignment: Record<string, number[]>): void {
    const topic = this.options.config.kafka.topics.metrics;
    const assigned = new Set(assignment[topic] ?? []);
    for (const [key, state] of this.partitions) {
      if (!assigned.has(state.partition)) {
        this.partitions.delete(key);
        state.engine.release();
        void this.transactions?.drop(state.partition);
        this.checkpointer?.forget(state);
        this.options.metrics.activeSeries.remove(String(state.partition));
        if (this.checkpointer !== null) checkpointMetrics(this.options.metrics.registry).checkpointBytes.remove(String(state.partition));
      } else if (state.next !== null) {
        // Kept: carry on where the engine stands. kafkajs would restart at the committed offset,
        // feeding the engine records it holds already (after a commit refused by the rebalance)
        // or skipping the rest of a replay.
        this.consumer.seek({ topic, partition: state.partition, offset: state.next.toString() });
      }
    }
    const held = (p: number) => this.partitions.has(`${topic}:${p}`) || this.restorer?.holds(p) === true;
    const added = [...assigned].filter((p) => !held(p));
    const removed = (this.restorer?.partitions() ?? []).filter((p) => !assigned.has(p));
    this.restorer?.onAssignment(added, removed);
    this.probes.joined([...assigned]);
    for (const p of assigned) this.transactions?.prepare(p);
    this.options.metrics.rebalances.inc();
    this.options.metrics.assignedPartitions.set(assigned.size);
    this.log.info({ assignment }, 'joined group');
  }

  private engineOptions(topic: string, partition: number) {
    const { store, rules, alerts } = this.options.config;
    return {
      rules,
      maxSeries: store.maxSeries,
      seriesBudget: this.seriesBudget,
      initialCapacity: store.initialCapacity,
      idleTimeoutMs: store.idleTimeoutMs,
      flapWindowMs: alerts.flapWindowMs,
      source: { topic, partition },
    };
  }

  /** The partition's state; a new, empty one when there is none (checkpoints off). */
  private stateFor(topic: string, partition: number): PartitionState {
    const key = `${topic}:${partition}`;
    let state = this.partitions.get(key);
    if (state === undefined) {
      state = new PartitionState(topic, partition, new Engine(this.engineOptions(topic, partition)), this.now());
      this.partitions.set(key, state);
      // With checkpoints on, the restorer logs how each partition starts; without, say it here.
      if (this.restorer === null) this.log.info({ partition, result: 'checkpoints_off' }, 'partition starts empty');
    }
    return state;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    if (this.stopping) return;
    if (this.restorer?.holds(partition)) {
      // Fetched before the pause took effect: the restore moves the consumer where it must start.
      this.consumer.pause([{ topic, partitions: [partition] }]);
      return;
    }
    const started = performance.now();
    const state = this.stateFor(topic, partition);
    state.inBatch = true;
    this.probes.batchStarted();
    try {
      let from = 0;
      if (state.replayUntil !== null) {
        from = await this.replay(state, payload);
        if (from < 0 || from === payload.batch.messages.length) return;
      }
      await this.processLive(state, payload, from, started);
    } finally {
      state.inBatch = false;
      const next = state.next ?? (payload.batch.messages.length > 0 ? BigInt(payload.batch.messages[0]!.offset) : null);
      this.probes.batchFinished(partition, next === null ? undefined : Math.max(0, Number(BigInt(payload.batch.highWatermark) - next)));
    }
  }

  /**
   * The batch's records below the partition's replayUntil: into the engine, output suppressed
   * (the partition's previous owner sent it), offsets not committed (the group has them). Returns
   * the index of the first live record, or -1 when the batch went stale.
   */
  private async replay(state: PartitionState, payload: EachBatchPayload): Promise<number> {
    const { messages } = payload.batch;
    const until = state.replayUntil!;
    let end = 0;
    while (end < messages.length && BigInt(messages[end]!.offset) < until) end++;
    if (end === 0) {
      state.replayUntil = null; // the records in between are gone (retention): go live
      return 0;
    }
    const engine = state.engine;
    engine.begin(this.now());
    const taken = await this.feed(engine, payload, 0, end);
    engine.finish(false);
    if (taken === 0) return -1;
    const last = messages[taken - 1]!.offset;
    payload.resolveOffset(last);
    state.took(last, taken);
    checkpointMetrics(this.options.metrics.registry).replayed.inc(taken);
    this.options.metrics.activeSeries.labels(String(state.partition)).set(engine.seriesCount);
    if (taken < end) return -1;
    if (end < messages.length) state.replayUntil = null;
    if (state.replayUntil === null)
      this.log.info({ partition: state.partition, offset: last }, 'replay caught up with the committed offset: live');
    await payload.heartbeat();
    return end;
  }

  /** Records [from, end) of `payload`'s batch into the engine, heartbeating in long batches; returns how many (fewer when the batch went stale). */
  private async feed(engine: Engine, payload: EachBatchPayload, from: number, end: number): Promise<number> {
    const { batch, isStale, heartbeat } = payload;
    let n = 0;
    for (let i = from; i < end; i++) {
      if (isStale()) break;
      engine.process(batch.messages[i]!);
      if (++n % HEARTBEAT_EVERY === 0) await heartbeat();
    }
    return n;
  }

  /** Records from `from` on: scored, published, counted, committed, then checkpointed when due. */
  private async processLive(state: PartitionState, payload: EachBatchPayload, from: number, started: number): Promise<void> {
    const { batch, resolveOffset, heartbeat } = payload;
    const { topic, partition } = batch;
    const engine = state.engine;
    engine.begin(this.now());
    const taken = await this.feed(engine, payload, from, batch.messages.length);
    const result = engine.finish();
    if (taken === 0) return;
    const last = batch.messages[from + taken - 1]!.offset;
    state.took(last, taken);
    this.processed.set(`${topic}:${partition}`, last);

    const output = this.outputOf(result);
    // Exactly-once: output and offsets in one transaction (a batch without output commits plainly).
    const transactional = this.transactions !== null && output.some(([, messages]) => messages.length > 0);
    if (transactional) {
      const outcome = await whileHeartbeating(
        () => this.transactions!.publishAndCommit(partition, output, state.next!, state.checkpointPointer),
        heartbeat,
        this.heartbeating,
      );
      if (outcome === 'fenced') {
        this.startOver(state, batch.messages[from]!.offset);
        return;
      }
    } else {
      await whileHeartbeating(() => this.publish(output), heartbeat, this.heartbeating);
    }
    const ackedAt = this.now();
    // Counted once the broker has the output, whether or not the commit below goes through: the
    // alerts were delivered either way.
    recordBatch(this.options.metrics, result, {
      rules: this.options.config.rules,
      partition: String(partition),
      series: engine.seriesCount,
      ackedAt,
    });
    for (const d of result.deadLetters) {
      if (d.reason === 'internal_error')
        this.log.error(
          { topic, partition, error: String(d.headers['sigmawatch-error']) },
          'record failed with an internal error; sent to the dead-letter topic',
        );
    }
    for (const a of result.alerts) this.options.onAlert?.(a.event);
    resolveOffset(last);
    if (!transactional) {
      try {
        await this.consumer.commitOffsets([{ topic, partition, offset: state.next!.toString(), metadata: state.checkpointPointer }]);
      } catch (e) {
        // The partition moved while the batch was in hand: its new owner re-reads from the last
        // commit and re-sends these alerts with the same ids (at-least-once). Anything else is real.
        if (!isRebalanceError(e)) throw e;
        this.log.warn({ topic, partition, offset: last, err: e }, 'offsets not committed: the group is rebalancing');
        return;
      }
    }
    state.committed = state.next;
    this.checkpointer?.afterCommit(state);
    try {
      await heartbeat();
    } catch (e) {
      // The group moved on while this batch was in hand: kafkajs rejoins on its next fetch.
      if (!isRebalanceError(e)) throw e;
    }
    const lag = Number(BigInt(batch.highWatermark) - BigInt(last) - 1n);
    this.options.metrics.consumerLag.labels(topic, String(partition)).set(lag);
    this.options.metrics.batchDuration.observe((performance.now() - started) / 1000);
  }

  /**
   * A transaction was fenced or aborted: the partition moved, or the coordinator timed the
   * transaction out. Its state is ahead of the committed offsets, so drop it and read the partition
   * again from them: through a restore when checkpoints are on, else learning from `firstOffset`
   * (the batch's first record; nothing before it was left uncommitted). If the partition did move,
   * the coming group join takes it away.
   */
  private startOver(state: PartitionState, firstOffset: string): void {
    const { topic, partition } = state;
    this.partitions.delete(state.key);
    state.engine.release();
    this.checkpointer?.forget(state);
    try {
      if (this.restorer !== null) this.restorer.onAssignment([partition], []);
      else this.consumer.seek({ topic, partition, offset: (state.committed ?? BigInt(firstOffset)).toString() });
    } catch (e) {
      this.log.warn({ partition, err: e }, 'could not rewind the partition; the next group join will');
    }
  }

  /** The batch's output, in the order it is sent: alerts, then dead letters. */
  private outputOf(result: BatchResult): Array<readonly [string, Message[]]> {
    const { topics } = this.options.config.kafka;
    const format = this.options.config.alerts.format;
    const alerts: Message[] = result.alerts.map(({ event }) => ({ key: event.series, value: encodeAlert(event, format) }));
    return [
      [topics.alerts, alerts],
      [topics.deadLetter, result.deadLetters],
    ];
  }

  /** Each topic's messages in requests the broker accepts, one at a time (kafkajs does not keep concurrent sends in order). */
  private async publish(output: ReadonlyArray<readonly [string, Message[]]>): Promise<void> {
    for (const [topic, messages] of output) {
      for (const chunk of chunkMessages(messages)) await this.producer.send({ topic, messages: chunk, acks: -1 });
    }
  }
}
