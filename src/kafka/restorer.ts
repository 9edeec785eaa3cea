/**
 * Restore on assignment: a newly assigned partition is paused, its latest usable checkpoint read
 * from the changelog and loaded into a new engine, the consumer moved back to the checkpoint's
 * offset, and the partition resumed. Records from there up to the group's committed offset are
 * then a replay (PartitionState.replayUntil): the worker feeds them to the engine with output
 * suppressed, since the previous owner already sent their alerts. A partition with no usable
 * checkpoint (none, refused, or the changelog unreadable within checkpoint.restore_timeout)
 * starts empty at the committed offset, as without checkpoints.
 *
 * One round per group join restores the partitions it added, together (one changelog read). A
 * rebalance during a round is fine: a partition revoked meanwhile is dropped from it, and one
 * assigned again starts a new round.
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { ChangelogImage } from './changelog-records.js';
import { readChangelog } from './changelog-reader.js';
import type { ChangelogWriter } from './changelog-writer.js';
import type { CheckpointMetrics } from './checkpoint-metrics.js';
import { PartitionState } from './partition-state.js';
import { planRestore, type RestoreContext, type RestorePlan } from './restore-plan.js';

export interface RestorerOptions {
  readonly kafka: Kafka;
  readonly consumer: Consumer;
  /** The metrics topic and the worker's group. */
  readonly topic: string;
  readonly group: string;
  readonly changelog: string;
  readonly changelogPartitions: number;
  readonly timeoutMs: number;
  /** What a restored engine is built with, per partition. */
  readonly context: (partition: number) => RestoreContext;
  readonly newEngine: (partition: number) => Engine;
  /** Hands a partition, restored or empty, to the worker. */
  readonly install: (state: PartitionState) => void;
  readonly writer: ChangelogWriter;
  readonly metrics: CheckpointMetrics;
  readonly log: Logger;
  readonly now: () => number;
}

export class Restorer {
  /** Partitions being restored → the round restoring them and when it started (performance.now()). */
  private readonly restoring = new Map<number, { round: number; startedAt: number }>();
  private rounds = 0;

  constructor(private readonly options: RestorerOptions) {}

  holds(partition: number): boolean {
    return this.restoring.has(partition);
  }

  partitions(): number[] {
    return [...this.restoring.keys()].sort((a, b) => a - b);
  }

  /** A group join: pauses and restores `added`, forgets `removed`. Returns at once; the round runs in the background. */
  onAssignment(added: readonly number[], removed: readonly number[]): void {
    const { consumer, topic } = this.options;
    for (const p of removed) this.restoring.delete(p);
    // Paused state outlives an assignment in kafkajs: clear it for partitions that left.
    if (removed.length > 0) consumer.resume([{ topic, partitions: [...removed] }]);
    if (added.length > 0) {
      consumer.pause([{ topic, partitions: [...added] }]);
      const round = ++this.rounds;
      for (const p of added) this.restoring.set(p, { round, startedAt: performance.now() });
      void this.restore(round, added).catch((e: unknown) => this.options.log.error({ err: e, partitions: added }, 'restore round failed'));
    }
    this.options.metrics.restoring.set(this.restoring.size);
  }

  private async restore(round: number, partitions: readonly number[]): Promise<void> {
    let image: ChangelogImage | null = null;
    let committed = new Map<number, bigint | null>();
    try {
      committed = await this.committedOffsets();
      const changelogPartitions = [...new Set(partitions.map((p) => p % this.options.changelogPartitions))];
      image = await readChangelog(this.options.kafka, {
        topic: this.options.changelog,
        partitions: changelogPartitions,
        group: this.options.group,
        timeoutMs: this.options.timeoutMs,
      });
    } catch (e) {
      this.options.log.warn({ partitions, err: e }, 'changelog unavailable: these partitions learn from their data');
    }
    for (const p of partitions) {
      if (this.restoring.get(p)?.round !== round) continue; // revoked, or restored by a later round
      const plan: RestorePlan =
        image === null
          ? { result: 'unavailable', engine: null, offset: null, staleKeys: [], bytes: 0 }
          : planRestore(image, p, committed.get(p) ?? null, this.options.context(p));
      this.resume(p, plan, committed.get(p) ?? null);
    }
  }

  /** Installs the partition's state, moves the consumer to where that state ends, resumes. */
  private resume(partition: number, plan: RestorePlan, committed: bigint | null): void {
    const { consumer, topic, metrics } = this.options;
    const state = new PartitionState(topic, partition, plan.engine ?? this.options.newEngine(partition), this.options.now());
    state.committed = committed;
    if (plan.engine !== null) {
      state.next = plan.offset;
      if (committed !== null && committed > plan.offset!) state.replayUntil = committed;
      consumer.seek({ topic, partition, offset: plan.offset!.toString() });
    }
    this.options.writer.replaceLater(partition, plan.staleKeys);
    this.options.install(state);
    const seconds = (performance.now() - this.restoring.get(partition)!.startedAt) / 1000;
    this.restoring.delete(partition);
    metrics.restoring.set(this.restoring.size);
    metrics.restores.labels(plan.result).inc();
    metrics.restoreDuration.observe(seconds);
    consumer.resume([{ topic, partitions: [partition] }]);
    const replay = state.replayUntil === null ? 0 : Number(state.replayUntil - plan.offset!);
    this.options.log.info(
      {
        partition,
        result: plan.result,
        offset: plan.offset?.toString() ?? null,
        committed: committed?.toString() ?? null,
        replay,
        series: state.engine.seriesCount,
        bytes: plan.bytes,
        seconds,
      },
      plan.engine === null ? 'partition starts empty' : 'partition restored',
    );
  }

  /** The group's committed offsets of the metrics topic: partition → offset, null where none. */
  private async committedOffsets(): Promise<Map<number, bigint | null>> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId: this.options.group, topics: [this.options.topic] });
      return new Map((t?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset) < 0n ? null : BigInt(p.offset)]));
    } finally {
      await admin.disconnect();
    }
  }
}
