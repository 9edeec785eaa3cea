/**
 * When to checkpoint a partition: after a commit, once `checkpoint.interval` (records or wall
 * time) has passed since its last checkpoint, and for every partition on a graceful shutdown.
 *
 * Only the copy of the engine's slabs happens in the batch (openCheckpoint: a memcpy, about
 * 1 ms per 10 MB); the checksum and the produce run in the background (ChangelogWriter). A
 * partition with a write in flight is not checkpointed again until it finished: the next commit
 * after that catches up.
 */
import type { Logger } from 'pino';
import type { CheckpointInterval } from '../config/index.js';
import { openCheckpoint } from '../engine/checkpoint.js';
import type { ChangelogWriter } from './changelog-writer.js';
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
  constructor(private readonly options: CheckpointerOptions) {}

  /** After a commit of `p`: checkpoints it when due. */
  afterCommit(p: PartitionState): void {
    if (p.checkpointing || !p.settled || !this.due(p)) return;
    void this.checkpoint(p);
  }

  /**
   * Graceful shutdown: checkpoints every settled partition that took records since its last
   * checkpoint, and waits for all writes, at most `timeoutMs`. Returns whether they finished.
   */
  async flush(partitions: Iterable<PartitionState>, timeoutMs: number): Promise<boolean> {
    const writes: Promise<boolean>[] = [];
    for (const p of partitions) {
      if (p.settled && p.sinceCheckpoint > 0 && !p.checkpointing) writes.push(this.checkpoint(p));
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      const finished = await Promise.race([Promise.all([...writes, this.options.writer.idle()]).then(() => true), timeout]);
      if (!finished) this.options.log.warn({ timeoutMs }, 'shutdown checkpoints did not finish in time; successors will replay from older ones');
      return finished;
    } finally {
      clearTimeout(timer);
    }
  }

  private due(p: PartitionState): boolean {
    const interval = this.options.interval;
    return 'records' in interval ? p.sinceCheckpoint >= interval.records : p.sinceCheckpoint > 0 && this.options.now() - p.lastCheckpointAt >= interval.ms;
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
    p.checkpointing = true;
    return this.options.writer.write({ partition: p.partition, checkpoint, offset, startedAt }).then((written) => {
      p.checkpointing = false;
      // A failed write leaves the records counted, so the next commit tries again.
      if (!written) p.sinceCheckpoint += records;
      return written;
    });
  }
}
