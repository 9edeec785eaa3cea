/**
 * What the worker knows about one assigned partition: its engine and where the engine stands
 * against the input and the group's committed offset. Offsets are "next record to read" values
 * (Kafka's committed-offset convention), as bigints.
 *
 * A checkpoint is only valid when the engine reflects exactly the committed input (`settled`):
 * after a commit that went through, or when a replay has caught up with the committed offset.
 */
import type { Engine } from '../engine/engine.js';

export class PartitionState {
  /** After the last record the engine took; null before the first (and no checkpoint). */
  next: bigint | null = null;
  /** The group's committed offset as far as this worker knows; null = unknown. */
  committed: bigint | null = null;
  /** Records below this are replayed with output suppressed (the previous owner sent it); null = live. */
  replayUntil: bigint | null = null;
  /** Records the engine took since its state was last checkpointed (or restored). */
  sinceCheckpoint = 0;
  /** Wall clock (ms) of the last checkpoint, or of the assignment before the first. */
  lastCheckpointAt: number;
  /**
   * Where the latest checkpoint of the partition starts in the changelog (formatPointer()), sent
   * as the metadata of every commit; null before one is known (a restore reads the changelog whole).
   */
  checkpointPointer: string | null = null;
  /**
   * A batch of this partition is in hand: the engine may be mid-batch (records taken, alert facts
   * queued) and must not be copied for a checkpoint.
   */
  inBatch = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly engine: Engine,
    now: number,
  ) {
    this.lastCheckpointAt = now;
  }

  get key(): string {
    return `${this.topic}:${this.partition}`;
  }

  /** Whether the engine reflects exactly the committed input, so a checkpoint of it is valid. */
  get settled(): boolean {
    return this.next !== null && this.next === this.committed;
  }

  /** Records [.., offset] were taken. */
  took(offset: string, records: number): void {
    this.next = BigInt(offset) + 1n;
    this.sinceCheckpoint += records;
    if (this.replayUntil !== null && this.next >= this.replayUntil) this.replayUntil = null;
  }
}
