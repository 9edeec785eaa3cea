/**
 * One assigned partition of the alerts topic while the relay holds it: its alert state, and how
 * far its rebuild has come.
 *
 * Every assignment rebuilds the partition's state from its earliest retained offset (the state is
 * a fold over the whole history: an alert that fired a week ago and still fires is only in the
 * log a week back). Records below `boundary`, the partition's end when it was assigned, are
 * history: folded in silently. Once the fold reaches the boundary the partition is caught up: its
 * whole state is sent once, and from then on every event is sent as it arrives.
 */
import { AlertState, type StateOptions } from './state.js';

export interface PartitionOffsets {
  readonly partition: number;
  /** Earliest retained offset. */
  readonly low: bigint;
  /** High watermark when assigned: the end of the history to rebuild. */
  readonly high: bigint;
}

export class PartitionTrack {
  readonly state: AlertState;
  readonly low: bigint;
  readonly boundary: bigint;
  caughtUp: boolean;
  /** Whether the relay already asked the consumer to rewind this partition (once per assignment). */
  seeked = false;
  /** Whether a batch has been folded in since the assignment. */
  started = false;
  /** Events folded in (history and live), for the rebuild log line. */
  events = 0;
  readonly assignedAt = performance.now();

  constructor(
    readonly offsets: PartitionOffsets,
    options: StateOptions,
  ) {
    this.state = new AlertState(options);
    this.low = offsets.low;
    this.boundary = offsets.high;
    this.caughtUp = offsets.high <= offsets.low;
  }

  /**
   * Where the consumer must go before this batch can be folded in: `low` when the first batch
   * after the assignment starts later (the consumer resumed from a position instead of the
   * beginning), else undefined. Asked once: a gap that remains is the log's own (retention).
   */
  rewindTo(firstOffset: bigint): bigint | undefined {
    if (this.started || this.seeked || firstOffset <= this.low) return undefined;
    this.seeked = true;
    return this.low;
  }
}
