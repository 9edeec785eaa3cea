/**
 * Restore on assignment: a newly assigned partition is paused, its latest usable checkpoint read
 * from the changelog and loaded into a new engine, the consumer moved back to the checkpoint's
 * offset, and the partition resumed. Records from there up to the group's committed offset are
 * then a replay (PartitionState.replayUntil): the worker feeds them to the engine with output
 * suppressed, since the previous owner already sent their alerts. A partition with no usable
 * checkpoint (none, refused, or the changelog unreadable within checkpoint.restore_timeout)
 * starts empty at the committed offset, as without checkpoints.
 *
 * One round per group join restores the partitions it added, together. The changelog is read from
 * the checkpoint pointers in the group's committed offsets (checkpoint-pointer.ts), which usually
 * covers one generation of each checkpoint; partitions without a pointer, or with nothing usable
 * from it on, are restored from a second read of their changelog partitions from the start. A
 * rebalance during a round is fine: a partition revoked meanwhile is dropped from it, and one
 * assigned again starts a new round.
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import { changelogPartitionOf, type ChangelogImage } from './changelog-records.js';
import type { ChangelogReader } from './changelog-reader.js';
import type { ChangelogWriter } from './changelog-writer.js';
import type { CheckpointMetrics } from './checkpoint-metrics.js';
import { formatPointer, parsePointer, type CheckpointPointer } from './checkpoint-pointer.js';
import { PartitionState } from './partition-state.js';
import { planRestore, type RestoreContext, type RestorePlan } from './restore-plan.js';

export interface RestorerOptions {
  readonly kafka: Kafka;
  readonly consumer: Consumer;
  /** The metrics topic and the worker's group. */
  readonly topic: string;
  readonly group: string;
  /** Reads the changelog (its topic); the restorer maps input partitions to changelog partitions. */
  readonly reader: ChangelogReader;
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
    const live = () => partitions.filter((p) => this.restoring.get(p)?.round === round); // not revoked or taken by a later round
    let committed = new Map<number, Committed>();
    try {
      committed = await this.committedOffsets();
    } catch (e) {
      this.options.log.warn({ partitions, err: e }, 'committed offsets unavailable: these partitions learn from their data');
      for (const p of live()) this.resume(p, UNAVAILABLE, { offset: null, pointer: null }, 'none');
      return;
    }
    const at = (p: number): Committed => committed.get(p) ?? { offset: null, pointer: null };
    // First from the pointers: where the latest checkpoints start.
    const pointed = partitions.filter((p) => this.pointsAtItsChangelog(p, at(p).pointer));
    const fromPointers = new Map<number, bigint>();
    for (const p of pointed) {
      const { changelogPartition, offset } = at(p).pointer!;
      fromPointers.set(changelogPartition, min(fromPointers.get(changelogPartition), offset));
    }
    if (pointed.length > 0) {
      const image = await this.read(pointed, fromPointers);
      if (image === null) {
        // Unreachable once within the restore timeout: the whole read would only wait as long again.
        for (const p of live()) this.resume(p, UNAVAILABLE, at(p), 'none');
        return;
      }
      for (const p of live().filter((p) => pointed.includes(p))) {
        const plan = planRestore(image, p, at(p).offset, this.options.context(p));
        if (plan.result === 'restored') this.resume(p, plan, at(p), 'from_pointer');
      }
    }
    // Then whole, for the others (what the first read passed over, this one finds again).
    const rest = live();
    if (rest.length === 0) return;
    const image = await this.read(rest, new Map());
    for (const p of live()) {
      const plan = image === null ? UNAVAILABLE : planRestore(image, p, at(p).offset, this.options.context(p));
      this.resume(p, plan, at(p), 'whole');
    }
  }

  /** The changelog partitions of `partitions`, read from `from` where given; null when unavailable (logged). */
  private async read(partitions: readonly number[], from: ReadonlyMap<number, bigint>): Promise<ChangelogImage | null> {
    try {
      return await this.options.reader.read({
        partitions: [...new Set(partitions.map((p) => changelogPartitionOf(p, this.options.changelogPartitions)))],
        from,
        timeoutMs: this.options.timeoutMs,
      });
    } catch (e) {
      this.options.log.warn({ partitions, err: e }, 'changelog unavailable: these partitions learn from their data');
      return null;
    }
  }

  /** Whether `pointer` names the changelog partition this input partition's checkpoints are written to. */
  private pointsAtItsChangelog(partition: number, pointer: CheckpointPointer | null): boolean {
    return pointer !== null && pointer.changelogPartition === changelogPartitionOf(partition, this.options.changelogPartitions);
  }

  /** Installs the partition's state, moves the consumer to where that state ends, resumes. */
  private resume(partition: number, plan: RestorePlan, committedAt: Committed, read: ChangelogRead): void {
    const { consumer, topic, metrics, log } = this.options;
    for (const skipped of plan.passedOver) log.warn(skipped, 'checkpoint skipped');
    const committed = committedAt.offset;
    const state = new PartitionState(topic, partition, plan.engine ?? this.options.newEngine(partition), this.options.now());
    state.committed = committed;
    // Carried on until this worker writes a checkpoint of its own: a commit without it would
    // leave the next owner to read the changelog whole.
    if (committedAt.pointer !== null) state.checkpointPointer = formatPointer(committedAt.pointer);
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
        read,
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

  /** The group's committed offsets of the metrics topic and their checkpoint pointers, by partition. */
  private async committedOffsets(): Promise<Map<number, Committed>> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId: this.options.group, topics: [this.options.topic] });
      return new Map(
        (t?.partitions ?? []).map((p) => {
          const offset = BigInt(p.offset) < 0n ? null : BigInt(p.offset);
          return [p.partition, { offset, pointer: offset === null ? null : parsePointer(p.metadata) }];
        }),
      );
    } finally {
      await admin.disconnect();
    }
  }
}

/** A partition's committed offset (null: none) and the checkpoint pointer committed with it. */
interface Committed {
  readonly offset: bigint | null;
  readonly pointer: CheckpointPointer | null;
}

/** How the changelog was read for a partition: from its pointer, whole, or not at all. */
type ChangelogRead = 'from_pointer' | 'whole' | 'none';

const UNAVAILABLE: RestorePlan = { result: 'unavailable', engine: null, offset: null, staleKeys: [], bytes: 0, passedOver: [] };

const min = (a: bigint | undefined, b: bigint): bigint => (a === undefined || b < a ? b : a);
