/**
 * When to checkpoint a partition: after a commit, once `checkpoint.interval` (records or wall
 * time) has passed since its last checkpoint, and for every partition on a graceful shutdown.
 *
 * Only the copy of the engine's slabs happens in the batch (openCheckpoint: about 1 ms per MB on
 * the benchmark machine); the checksum and the produce run in the background (ChangelogWriter).
 * One checkpoint is in flight at a time, whatever the partition: a copy holds memory the size of
 * its partition's state until written, so a worker never holds more than one. A partition that
 * comes due while another is written waits its turn: it is checkpointed when the write finishes,
 * unless a batch of it is in hand then (its state is moving: its next commit checkpoints it).
 *
 * When the group starts to rebalance, every partition that took records since its last checkpoint
 * is queued at once, due or not (beforeRebalance): a partition that then moves to another worker
 * is restored there from the state it had here, with little or nothing to replay. kafkajs has no
 * hook before it revokes partitions; its REBALANCING event comes first, and a partition revoked
 * meanwhile stays queued until written (its state no longer moves).
 *
 * A written checkpoint's position (checkpoint-pointer.ts) goes with the partition's next commits,
 * so that its next owner reads the changelog from there rather than whole.
 */
import type { Logger } from 'pino';
import type { CheckpointInterval } from '../config/index.js';
import { openCheckpoint } from '../engine/checkpoint.js';
import type { ChangelogWriter } from './changelog-writer.js';
import { formatPointer } from './checkpoint-pointer.js';
import type { CheckpointMetrics } from './checkpoint-metrics.js';
import type { PartitionState } from './partition-state.js';

export interface CheckpointerOptions {
  readonly writer: ChangelogWriter;
  readonly interval: CheckpointInterval;
  /** The rules' fingerprint (engine/fingerprint.ts). */
  readonly fingerprint: string;
  readonly metrics: CheckpointMetrics;
  readonly log: Logger;
  /** Wall clock (ms). */
  readonly now: () => number;
}

export class Checkpointer {
  /** A checkpoint is being written (one at a time, see the file comment). */
  private writing = false;
  /** Partitions that came due while another was written, in the order they did. */
  private readonly waiting = new Set<PartitionState>();
  /** Queued by beforeRebalance: checkpointed whether or not the interval has passed, even once revoked. */
  private readonly urgent = new WeakSet<PartitionState>();

  constructor(private readonly options: CheckpointerOptions) {}

  /** After a commit of `p`: checkpoints it when due. */
  afterCommit(p: PartitionState): void {
    if (!p.settled || !this.due(p)) return;
    if (this.writing) this.waiting.add(p);
    else void this.checkpoint(p);
  }

  /** A revoked partition: no checkpoint of it any more, unless one was queued for the rebalance. */
  forget(p: PartitionState): void {
    if (!this.urgent.has(p)) this.waiting.delete(p);
  }

  /**
   * The group is rebalancing: queues every settled partition that took records since its last
   * checkpoint, written one after the other in the background. Returns how many were queued.
   */
  beforeRebalance(partitions: Iterable<PartitionState>): number {
    let queued = 0;
    for (const p of partitions) {
      if (!p.settled || p.sinceCheckpoint === 0) continue;
      this.urgent.add(p);
      this.waiting.add(p);
      queued++;
    }
    if (!this.writing) this.nextWaiting();
    return queued;
  }

  /**
   * Graceful shutdown: checkpoints every settled partition that took records since its last
   * checkpoint, and waits for all writes, at most `timeoutMs`. Returns whether they finished.
   */
  async flush(partitions: Iterable<PartitionState>, timeoutMs: number): Promise<boolean> {
    const moved = [...partitions];
    this.waiting.clear();
    // No batch runs any more: the states stay as they are, so one copy after the other is enough.
    const writes = (async () => {
      await this.options.writer.idle();
      for (const p of moved) if (p.settled && p.sinceCheckpoint > 0) await this.checkpoint(p);
      return true;
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      const finished = await Promise.race([writes, timeout]);
      if (!finished)
        this.options.log.warn({ timeoutMs }, 'shutdown checkpoints did not finish in time; successors will replay from older ones');
      return finished;
    } finally {
      clearTimeout(timer);
    }
  }

  private due(p: PartitionState): boolean {
    const interval = this.options.interval;
    return 'records' in interval
      ? p.sinceCheckpoint >= interval.records
      : p.sinceCheckpoint > 0 && this.options.now() - p.lastCheckpointAt >= interval.ms;
  }

  /** Copies the state now (the batch waits for this part only) and writes it in the background. */
  private checkpoint(p: PartitionState): Promise<boolean> {
    const startedAt = performance.now();
    const offset = p.next!;
    const checkpoint = openCheckpoint(p.engine, offset, this.options.fingerprint);
    this.options.metrics.checkpointPause.observe((performance.now() - startedAt) / 1000);
    const records = p.sinceCheckpoint;
    p.sinceCheckpoint = 0;
    p.lastCheckpointAt = this.options.now();
    this.writing = true;
    this.waiting.delete(p);
    this.urgent.delete(p);
    return this.options.writer.write({ partition: p.partition, checkpoint, offset, startedAt }).then((pointer) => {
      this.writing = false;
      // A failed write leaves the records counted, so the next commit tries again.
      if (pointer === null) p.sinceCheckpoint += records;
      else p.checkpointPointer = formatPointer(pointer);
      this.nextWaiting();
      return pointer !== null;
    });
  }

  /** The first waiting partition that can be copied now (not in a batch, still the committed state). */
  private nextWaiting(): void {
    for (const p of this.waiting) {
      if (p.inBatch) continue;
      this.waiting.delete(p);
      if (p.settled && (this.urgent.has(p) || this.due(p))) {
        void this.checkpoint(p);
        return;
      }
    }
  }
}
