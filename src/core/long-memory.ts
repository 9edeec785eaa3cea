/**
 * Long memory at constant cost: per slot, an exponentially weighted mean and variance that
 * remember about `memory` samples without keeping them (24 bytes a slot, against 8 bytes per sample
 * for a ring). Until `memory` samples have been seen the weights are equal — the plain mean and
 * population variance of everything so far — then each new sample weighs 1/memory and older ones
 * fade geometrically (a time constant of `memory` samples).
 *
 * Numerics: the update is West's / Welford's form, d = x − mean; mean += α·d;
 * var = (1 − α)·(var + α·d²), which works on differences from the mean, so 1e9 ± 1 keeps its
 * precision and the variance never goes negative. With α = 1/n it is exactly Welford's running
 * population variance; tests compare both phases with a two-pass weighted oracle.
 */
import { grow } from './slab.js';

export class LongMemory {
  capacity: number;
  mean: Float64Array;
  variance: Float64Array;
  /** Samples seen, capped at the memory (it only sets the weight of the next sample). */
  count: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.mean = new Float64Array(capacity);
    this.variance = new Float64Array(capacity);
    this.count = new Float64Array(capacity);
  }

  static readonly bytesPerSlot = 3 * 8;

  grow(capacity: number): void {
    this.mean = grow(this.mean, capacity);
    this.variance = grow(this.variance, capacity);
    this.count = grow(this.count, capacity);
    this.capacity = capacity;
  }

  reset(slot: number): void {
    this.mean[slot] = 0;
    this.variance[slot] = 0;
    this.count[slot] = 0;
  }

  /** Adds x with weight 1/min(count + 1, memory). */
  push(slot: number, x: number, memory: number): void {
    let n = this.count[slot] + 1;
    if (n > memory) n = memory;
    this.count[slot] = n;
    const alpha = 1 / n;
    const d = x - this.mean[slot];
    this.mean[slot] += alpha * d;
    this.variance[slot] = (1 - alpha) * (this.variance[slot] + alpha * d * d);
  }
}
