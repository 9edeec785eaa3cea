/**
 * Long memory at constant cost: per slot, an exponentially weighted mean and variance that
 * remember about `memory` samples without keeping them (32 bytes a slot, against 8 bytes per sample
 * for a ring). Until `memory` samples have been seen the weights are equal — the plain mean and
 * population variance of everything so far — then each new sample weighs 1/memory and older ones
 * fade geometrically (a time constant of `memory` samples).
 *
 * Numerics: the update is West's / Welford's form on differences from the mean,
 * d = x − mean; mean += α·d; var = (1 − α)·(var + α·d²), so the variance never goes negative; and,
 * as in window.ts, values are taken about a per-slot shift K (the first value, moved to the mean when
 * the mean wanders more than 4 stds off it), so 1e9 ± 1 is summed as ±1 and keeps its precision.
 * With α = 1/n it is exactly Welford's running population variance; tests compare both phases with
 * a two-pass (weighted) oracle.
 */
import { grow } from './slab.js';
import type { Snapshot, SnapshotReader } from './snapshot.js';

const LONG_MEMORY_SLABS = ['shift', 'offset', 'variance', 'count'] as const;

/** Re-centre the shift when (mean − K)² exceeds this many variances. */
const DRIFT_RATIO = 16;

/**
 * One exponentially weighted step of a mean and a variance kept side by side at index i: the new
 * value weighs `alpha` (1/n for equal weights). West's form, on the difference from the mean.
 */
export function weightedPush(mean: Float64Array, variance: Float64Array, i: number, x: number, alpha: number): void {
  const d = x - mean[i];
  mean[i] += alpha * d;
  variance[i] = (1 - alpha) * (variance[i] + alpha * d * d);
}

export class LongMemory {
  capacity: number;
  /** The per-slot shift K, and the mean as an offset from it. */
  shift: Float64Array;
  offset: Float64Array;
  variance: Float64Array;
  /** Samples seen, capped at the memory (it only sets the weight of the next sample). */
  count: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.shift = new Float64Array(capacity);
    this.offset = new Float64Array(capacity);
    this.variance = new Float64Array(capacity);
    this.count = new Float64Array(capacity);
  }

  static readonly bytesPerSlot = 4 * 8;

  grow(capacity: number): void {
    this.shift = grow(this.shift, capacity);
    this.offset = grow(this.offset, capacity);
    this.variance = grow(this.variance, capacity);
    this.count = grow(this.count, capacity);
    this.capacity = capacity;
  }

  reset(slot: number): void {
    this.shift[slot] = 0;
    this.offset[slot] = 0;
    this.variance[slot] = 0;
    this.count[slot] = 0;
  }

  /** Adds the state of slots [0, slots) to `s` under `prefix`. */
  writeSnapshot(s: Snapshot, prefix: string, slots: number): void {
    for (const name of LONG_MEMORY_SLABS) s.add(prefix + name, this[name].subarray(0, slots));
  }

  /** Loads what writeSnapshot wrote (this has grown to hold the slots). */
  readSnapshot(r: SnapshotReader, prefix: string): void {
    for (const name of LONG_MEMORY_SLABS) this[name].set(r.f64(prefix + name));
  }

  mean(slot: number): number {
    return this.shift[slot] + this.offset[slot];
  }

  /** Adds x with weight 1/min(count + 1, memory). */
  push(slot: number, x: number, memory: number): void {
    let n = this.count[slot] + 1;
    if (n === 1) this.shift[slot] = x;
    if (n > memory) n = memory;
    this.count[slot] = n;
    const alpha = 1 / n;
    const d = x - this.shift[slot] - this.offset[slot];
    const offset = this.offset[slot] + alpha * d;
    const variance = (1 - alpha) * (this.variance[slot] + alpha * d * d);
    this.variance[slot] = variance;
    if (offset * offset > DRIFT_RATIO * variance) {
      // Move K to the mean; what rounding leaves of the offset stays in it.
      const shift = this.shift[slot] + offset;
      this.offset[slot] = offset - (shift - this.shift[slot]);
      this.shift[slot] = shift;
    } else {
      this.offset[slot] = offset;
    }
  }
}
