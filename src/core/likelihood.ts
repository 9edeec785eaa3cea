/**
 * Anomaly likelihood, the post-processing NAB's HTM detector uses, on z-scores: per slot, a short
 * average of the sample's score (|z| in the rule's direction) and the long-run distribution of that
 * average (an exponentially weighted mean and variance, as in long-memory.ts). A sample is unlikely
 * when the short average sits in the far tail of that distribution: a run of moderately unusual
 * samples (a shift the window's std hides, a change in variance) becomes visible even when no
 * single sample reaches the z threshold, and a series whose normal life is spiky learns that its
 * averages are spiky.
 *
 * The tail test is on the normal approximation: unlikely ⇔ (avg − mean) / std > u, where u is the
 * normal quantile of the rule's tail probability, computed once per rule (`normalQuantile`).
 */
import { grow } from './slab.js';
import type { Snapshot, SnapshotReader } from './snapshot.js';
import { LongMemory } from './long-memory.js';

export interface LikelihoodParams {
  /** Weight of the newest score in the short average (2 / (window + 1)). */
  readonly shortAlpha: number;
  /** Memory of the long-run distribution, in samples. */
  readonly memory: number;
  /** The short average must be this many stds above its long-run mean. */
  readonly threshold: number;
  /** Scored samples needed before the distribution is trusted. */
  readonly minSamples: number;
}

export class AnomalyLikelihood {
  capacity: number;
  /** Short average of the score. */
  average: Float64Array;
  /** The long-run distribution of that average. */
  readonly distribution: LongMemory;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.average = new Float64Array(capacity);
    this.distribution = new LongMemory(capacity);
  }

  static readonly bytesPerSlot = 8 + LongMemory.bytesPerSlot;

  grow(capacity: number): void {
    this.average = grow(this.average, capacity);
    this.distribution.grow(capacity);
    this.capacity = capacity;
  }

  reset(slot: number): void {
    this.average[slot] = 0;
    this.distribution.reset(slot);
  }

  /** Adds the state of slots [0, slots) to `s` under `prefix`. */
  writeSnapshot(s: Snapshot, prefix: string, slots: number): void {
    s.add(`${prefix}average`, this.average.subarray(0, slots));
    this.distribution.writeSnapshot(s, `${prefix}distribution.`, slots);
  }

  /** Loads what writeSnapshot wrote (this has grown to hold the slots). */
  readSnapshot(r: SnapshotReader, prefix: string): void {
    this.average.set(r.f64(`${prefix}average`));
    this.distribution.readSnapshot(r, `${prefix}distribution.`);
  }

  /**
   * Adds one sample's score; returns whether the new short average is unlikely under the
   * distribution learnt before it (then the average joins that distribution).
   */
  step(slot: number, score: number, p: LikelihoodParams): boolean {
    const dist = this.distribution;
    const n = dist.count(slot);
    const average = n === 0 ? score : this.average[slot] + p.shortAlpha * (score - this.average[slot]);
    this.average[slot] = average;
    const above = average - dist.mean(slot);
    const unlikely = n >= p.minSamples && above > 0 && above * above > p.threshold * p.threshold * dist.variance(slot);
    dist.push(slot, average, p.memory);
    return unlikely;
  }
}

/**
 * The upper-tail normal quantile: u with P(Z > u) = p, for 0 < p < 1 (Acklam's rational
 * approximation, relative error below 1.2e-9; enough for a threshold).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`a tail probability must be in (0, 1), got ${p}`);
  const q = 1 - p; // lower-tail probability of u
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (q < low) {
    const t = Math.sqrt(-2 * Math.log(q));
    return (
      (((((c[0]! * t + c[1]!) * t + c[2]!) * t + c[3]!) * t + c[4]!) * t + c[5]!) /
      ((((d[0]! * t + d[1]!) * t + d[2]!) * t + d[3]!) * t + 1)
    );
  }
  if (p < low) {
    const t = Math.sqrt(-2 * Math.log(p));
    return (
      -(((((c[0]! * t + c[1]!) * t + c[2]!) * t + c[3]!) * t + c[4]!) * t + c[5]!) /
      ((((d[0]! * t + d[1]!) * t + d[2]!) * t + d[3]!) * t + 1)
    );
  }
  const r = q - 0.5;
  const s = r * r;
  return (
    ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) /
    (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1)
  );
}
