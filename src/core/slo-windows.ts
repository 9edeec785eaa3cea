/**
 * Error and total counts of SLO groups over sliding windows of sample time, O(1) per increase.
 *
 * Per group, a ring of R buckets (R = the longest window in steps) holds the counter increases of
 * each step, bad and total side by side; per window k of n_k steps, running sums of the buckets
 * (head − n_k, head]. Adding an increase touches its bucket and the K sums; moving the head to a
 * later step subtracts the buckets that leave each window and clears the ring slots it enters
 * (each step once, so amortised O(K) per step, and a gap longer than the ring clears all). The sums
 * are recomputed exactly from the ring each time the head wraps the ring, so float residue from
 * adding and later subtracting the same values cannot build up; and a window that holds no bucket
 * with a total any more is set to exactly 0 (per window, a count of such buckets), as a quiet
 * group would otherwise show error ratios like 1e-15 / 1e-15 until the next wrap.
 *
 * A bucket is floor(ts / step): windows are aligned to multiples of the step, as Prometheus's
 * evaluation times are when the step is the evaluation interval.
 */
import { grow } from './slab.js';

/** Head of a group that has no bucket yet. */
const EMPTY = -Infinity;

export class SloWindows {
  /** Buckets per ring: the longest window in steps. */
  readonly ringLength: number;
  /** Steps per window, by window index. */
  readonly lengths: Int32Array;
  capacity: number;
  /** Per group: the latest bucket (step index) seen, or -Infinity. */
  head: Float64Array;
  /**
   * Per group: head mod R, the head's ring slot. Kept so that the per-sample path indexes the ring
   * with integer arithmetic (a float % is a slow call; bucket numbers are floats).
   */
  headSlot: Int32Array;
  /** [group × R × 2]: per bucket, the bad increase then the total increase. */
  ring: Float64Array;
  /** [group × K × 2]: per window, the bad sum then the total sum. */
  sums: Float64Array;
  /** [group × K]: per window, the buckets in it with a total > 0. */
  counted: Int32Array;

  constructor(lengths: readonly number[], capacity: number) {
    if (lengths.length === 0 || lengths.some((n) => !(Number.isInteger(n) && n >= 1)))
      throw new RangeError(`window lengths must be whole numbers of steps ≥ 1, got ${lengths.join(', ')}`);
    this.lengths = Int32Array.from(lengths);
    this.ringLength = Math.max(...lengths);
    this.capacity = capacity;
    this.head = new Float64Array(capacity).fill(EMPTY);
    this.headSlot = new Int32Array(capacity);
    this.ring = new Float64Array(capacity * this.ringLength * 2);
    this.sums = new Float64Array(capacity * lengths.length * 2);
    this.counted = new Int32Array(capacity * lengths.length);
  }

  grow(capacity: number): void {
    const old = this.capacity;
    this.head = grow(this.head, capacity);
    this.head.fill(EMPTY, old);
    this.headSlot = grow(this.headSlot, capacity);
    this.ring = grow(this.ring, capacity * this.ringLength * 2);
    this.sums = grow(this.sums, capacity * this.lengths.length * 2);
    this.counted = grow(this.counted, capacity * this.lengths.length);
    this.capacity = capacity;
  }

  /** Empties group `g` (a new group in a reused slot). */
  reset(g: number): void {
    const R2 = this.ringLength * 2;
    const K2 = this.lengths.length * 2;
    this.head[g] = EMPTY;
    this.ring.fill(0, g * R2, (g + 1) * R2);
    this.sums.fill(0, g * K2, (g + 1) * K2);
    this.counted.fill(0, g * this.lengths.length, (g + 1) * this.lengths.length);
  }

  /**
   * Adds increases seen in `bucket` (the head moves there first when it is later). A bucket that
   * is older than the head counts in the windows that still cover it; one older than the ring is
   * dropped (returns false).
   */
  add(g: number, bucket: number, bad: number, total: number): boolean {
    if (bucket > this.head[g]) this.advance(g, bucket);
    const head = this.head[g];
    const R = this.ringLength;
    const behind = head - bucket;
    if (behind >= R) return false;
    let slot = this.headSlot[g] - behind;
    if (slot < 0) slot += R;
    const at = (g * R + slot) * 2;
    const ring = this.ring;
    // The bucket gets its first total: one more counted bucket in each window that covers it.
    const first = ring[at + 1] === 0 && total > 0 ? 1 : 0;
    ring[at] += bad;
    ring[at + 1] += total;
    const lengths = this.lengths;
    const sums = this.sums;
    const K = lengths.length;
    const base = g * K * 2;
    for (let k = 0; k < K; k++) {
      if (behind < lengths[k]) {
        sums[base + 2 * k] += bad;
        sums[base + 2 * k + 1] += total;
        this.counted[g * K + k] += first;
      }
    }
    return true;
  }

  /** Moves the head of `g` to `bucket` (later than it): buckets leave the windows, ring slots are cleared. */
  advance(g: number, bucket: number): void {
    const R = this.ringLength;
    const lengths = this.lengths;
    const K = lengths.length;
    const ring = this.ring;
    const sums = this.sums;
    const ringBase = g * R * 2;
    const base = g * K * 2;
    const head = this.head[g];
    this.head[g] = bucket;
    const counted = this.counted;
    if (!(bucket - head < R)) {
      // Every bucket has left every window (or the group is new).
      ring.fill(0, ringBase, ringBase + R * 2);
      sums.fill(0, base, base + K * 2);
      counted.fill(0, g * K, (g + 1) * K);
      this.headSlot[g] = mod(bucket, R);
      return;
    }
    let wrapped = false;
    let pos = this.headSlot[g];
    for (let n = bucket - head; n > 0; n--) {
      // The head moves one bucket, c: ring slot pos.
      pos = pos + 1 === R ? 0 : pos + 1;
      for (let k = 0; k < K; k++) {
        // The bucket c − n_k leaves window k as the head reaches c (its slot is read before c's clears it).
        let leaving = pos - lengths[k];
        if (leaving < 0) leaving += R;
        const at = ringBase + leaving * 2;
        if (ring[at + 1] > 0 && --counted[g * K + k] === 0) {
          // Nothing counted is left in the window: exactly 0, whatever residue the running sums hold.
          sums[base + 2 * k] = 0;
          sums[base + 2 * k + 1] = 0;
        } else {
          sums[base + 2 * k] -= ring[at];
          sums[base + 2 * k + 1] -= ring[at + 1];
        }
      }
      ring[ringBase + pos * 2] = 0;
      ring[ringBase + pos * 2 + 1] = 0;
      if (pos === 0) wrapped = true;
    }
    this.headSlot[g] = pos;
    if (wrapped) this.recompute(g);
  }

  /** Bad events in window k of `g`. */
  bad(g: number, k: number): number {
    return this.sums[(g * this.lengths.length + k) * 2];
  }

  /** All events in window k of `g`. */
  total(g: number, k: number): number {
    return this.sums[(g * this.lengths.length + k) * 2 + 1];
  }

  /** The window sums of `g`, exactly, from its ring (drops the residue of running sums). */
  private recompute(g: number): void {
    const R = this.ringLength;
    const lengths = this.lengths;
    const ring = this.ring;
    const headSlot = this.headSlot[g];
    const base = g * lengths.length * 2;
    for (let k = 0; k < lengths.length; k++) {
      let bad = 0;
      let total = 0;
      for (let i = 0; i < lengths[k]; i++) {
        const slot = headSlot - i;
        const at = (g * R + (slot < 0 ? slot + R : slot)) * 2;
        bad += ring[at];
        total += ring[at + 1];
      }
      this.sums[base + 2 * k] = bad;
      this.sums[base + 2 * k + 1] = total;
    }
  }
}

/** x mod n in [0, n): buckets before the epoch (or before a group's first) are negative. */
function mod(x: number, n: number): number {
  const r = x % n;
  return r < 0 ? r + n : r;
}
