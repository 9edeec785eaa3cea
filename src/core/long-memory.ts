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

/** Per slot, side by side in one cache line's half: [shift K, mean − K, variance, count]. */
const STRIDE = 4;
const SHIFT = 0;
const OFFSET = 1;
const VARIANCE = 2;
const COUNT = 3;

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
  /**
   * state[slot × 4 + field]: the shift K, the mean as an offset from it, the variance, and the
   * samples seen (capped at the memory: it only sets the weight of the next sample). One array, so
   * a sample touches one cache line of it, not four.
   */
  state: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.state = new Float64Array(capacity * STRIDE);
  }

  static readonly bytesPerSlot = STRIDE * 8;

  grow(capacity: number): void {
    this.state = grow(this.state, capacity * STRIDE);
    this.capacity = capacity;
  }

  reset(slot: number): void {
    this.state.fill(0, slot * STRIDE, slot * STRIDE + STRIDE);
  }

  /** Adds the state of slots [0, slots) to `s` under `prefix`. */
  writeSnapshot(s: Snapshot, prefix: string, slots: number): void {
    s.add(prefix + 'state', this.state.subarray(0, slots * STRIDE));
  }

  /** Loads what writeSnapshot wrote (this has grown to hold the slots). */
  readSnapshot(r: SnapshotReader, prefix: string): void {
    this.state.set(r.f64(prefix + 'state'));
  }

  mean(slot: number): number {
    const at = slot * STRIDE;
    return this.state[at + SHIFT] + this.state[at + OFFSET];
  }

  variance(slot: number): number {
    return this.state[slot * STRIDE + VARIANCE];
  }

  /** Samples the statistics hold, capped at the memory. */
  count(slot: number): number {
    return this.state[slot * STRIDE + COUNT];
  }

  /** Adds x with weight 1/min(count + 1, memory). */
  push(slot: number, x: number, memory: number): void {
    const st = this.state;
    const at = slot * STRIDE;
    let n = st[at + COUNT] + 1;
    if (n === 1) st[at + SHIFT] = x;
    if (n > memory) n = memory;
    st[at + COUNT] = n;
    const alpha = 1 / n;
    const shift = st[at + SHIFT];
    const d = x - shift - st[at + OFFSET];
    const offset = st[at + OFFSET] + alpha * d;
    const variance = (1 - alpha) * (st[at + VARIANCE] + alpha * d * d);
    st[at + VARIANCE] = variance;
    if (offset * offset > DRIFT_RATIO * variance) {
      // Move K to the mean; what rounding leaves of the offset stays in it.
      const moved = shift + offset;
      st[at + OFFSET] = offset - (moved - shift);
      st[at + SHIFT] = moved;
    } else {
      st[at + OFFSET] = offset;
    }
  }
}
