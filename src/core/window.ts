/**
 * Rolling windows: one ring of the last W values per slot, and O(1) running statistics for a long
 * window (W) and a short window (Ws < W) read from the same ring.
 *
 * Numerics: the running sums are kept about a per-slot shift K (sums of x − K and (x − K)²), so
 * values like 1e9 ± 1 are summed as ±1 and the variance does not cancel catastrophically. The short
 * window has its own shift. K is reset to the exact mean by a two-pass recompute
 *   - every time the ring head wraps (once per W pushes: amortised O(1), removes rounding drift),
 *   - when the mean has wandered far from K relative to the spread (a level shift), because the
 *     loss of precision grows with (mean − K)² / variance, and
 *   - when an outlier leaves the window, whose rounding error would swamp what remains.
 * Each trigger needs a large move or a large value that entered once, so recomputes stay rare.
 * Population statistics (divide by n), as the z-score of a sample against its window wants.
 */
import { grow } from './slab.js';

/** Recompute when (mean − K)² exceeds this many variances: the precision lost grows with it. */
const DRIFT_RATIO = 16;
/**
 * Recompute when the value that just left was this much larger (squared) than what remains:
 * its rounding error, ε·exit², would otherwise swamp the sums of the values left behind.
 */
const EXIT_RATIO = 1e4;

/** Whether sums about a shift have lost precision: the mean drifted off the shift, or an outlier left. */
function imprecise(sum: number, sumSq: number, n: number, exit: number): boolean {
  // (mean − K)² > R · variance, multiplied through by n² to spare two divisions per push:
  // s² > R (n·ss − s²)  ⇔  (1 + R) s² > R n ss.
  const s2 = sum * sum;
  return (1 + DRIFT_RATIO) * s2 > DRIFT_RATIO * n * sumSq || exit * exit > EXIT_RATIO * sumSq;
}

export class RollingWindows {
  /** Ring length reserved per slot: the largest W any slot may use. */
  readonly stride: number;
  /**
   * Whether the short-window statistics are kept. Only multi-window rules read them, so a store
   * without such rules skips their slabs (26 bytes per slot) and their work per push.
   */
  readonly withShort: boolean;
  capacity: number;

  /** ring[slot * stride + i], i < window[slot] */
  ring: Float64Array;
  /** Next write position, in [0, window[slot]). */
  head: Uint16Array;
  /** Samples held in the long window, ≤ window[slot]. */
  count: Uint16Array;
  window: Uint16Array;
  shortWindow: Uint16Array;
  /** Shifts the long and the short sums are taken about. */
  shift: Float64Array;
  shortShift: Float64Array;
  /** Σ (x − K) and Σ (x − K)² over the long window. */
  sum: Float64Array;
  sumSq: Float64Array;
  /** The same over the short window (the last min(count, Ws) values). */
  shortSum: Float64Array;
  shortSumSq: Float64Array;

  constructor(stride: number, capacity: number, withShort = true) {
    if (!Number.isInteger(stride) || stride < 2 || stride > 65535) {
      throw new RangeError(`window stride must be an integer in [2, 65535], got ${stride}`);
    }
    this.stride = stride;
    this.withShort = withShort;
    this.capacity = capacity;
    const short = withShort ? capacity : 0;
    this.ring = new Float64Array(capacity * stride);
    this.head = new Uint16Array(capacity);
    this.count = new Uint16Array(capacity);
    this.window = new Uint16Array(capacity);
    this.shortWindow = new Uint16Array(short);
    this.shift = new Float64Array(capacity);
    this.shortShift = new Float64Array(short);
    this.sum = new Float64Array(capacity);
    this.sumSq = new Float64Array(capacity);
    this.shortSum = new Float64Array(short);
    this.shortSumSq = new Float64Array(short);
  }

  /** Bytes of slab memory per slot. */
  static bytesPerSlot(stride: number, withShort = true): number {
    return 8 * stride + 2 * 3 + 8 * 3 + (withShort ? 2 + 8 * 3 : 0);
  }

  grow(capacity: number): void {
    const short = this.withShort ? capacity : 0;
    this.ring = grow(this.ring, capacity * this.stride);
    this.head = grow(this.head, capacity);
    this.count = grow(this.count, capacity);
    this.window = grow(this.window, capacity);
    this.shortWindow = grow(this.shortWindow, short);
    this.shift = grow(this.shift, capacity);
    this.shortShift = grow(this.shortShift, short);
    this.sum = grow(this.sum, capacity);
    this.sumSq = grow(this.sumSq, capacity);
    this.shortSum = grow(this.shortSum, short);
    this.shortSumSq = grow(this.shortSumSq, short);
    this.capacity = capacity;
  }

  /** Empties a slot and sets its window lengths (1 ≤ shortWindow < window ≤ stride). */
  reset(slot: number, window: number, shortWindow: number): void {
    this.head[slot] = 0;
    this.count[slot] = 0;
    this.window[slot] = window;
    this.shift[slot] = 0;
    this.sum[slot] = 0;
    this.sumSq[slot] = 0;
    if (this.withShort) {
      this.shortWindow[slot] = shortWindow;
      this.shortShift[slot] = 0;
      this.shortSum[slot] = 0;
      this.shortSumSq[slot] = 0;
    }
  }

  /** Adds x to the slot's window, evicting the oldest value once full. O(1) amortised. */
  push(slot: number, x: number): void {
    const ring = this.ring;
    const w = this.window[slot];
    const base = slot * this.stride;
    let h = this.head[slot];
    let n = this.count[slot];
    if (n === 0) this.shift[slot] = x;
    const shortExit = this.withShort ? this.pushShort(slot, x, base, h, n, w) : 0;

    const k = this.shift[slot];
    const d = x - k;
    let exit = 0;
    if (n === w) {
      exit = ring[base + h] - k;
      this.sum[slot] += d - exit;
      this.sumSq[slot] += d * d - exit * exit;
    } else {
      this.sum[slot] += d;
      this.sumSq[slot] += d * d;
      this.count[slot] = ++n;
    }

    ring[base + h] = x;
    if (++h === w) h = 0;
    this.head[slot] = h;

    if (h === 0 || imprecise(this.sum[slot], this.sumSq[slot], n, exit)) {
      this.recompute(slot);
    } else if (this.withShort) {
      const ws = this.shortWindow[slot];
      const ns = n < ws ? n : ws;
      if (imprecise(this.shortSum[slot], this.shortSumSq[slot], ns, shortExit)) this.recomputeShort(slot);
    }
  }

  /** The short window's part of push(), before x is written; returns the deviation that left it. */
  private pushShort(slot: number, x: number, base: number, h: number, n: number, w: number): number {
    const ws = this.shortWindow[slot];
    if (n === 0) this.shortShift[slot] = x;
    const ks = this.shortShift[slot];
    const ds = x - ks;
    if (n < ws) {
      this.shortSum[slot] += ds;
      this.shortSumSq[slot] += ds * ds;
      return 0;
    }
    // The value leaving the short window sits Ws places behind the head.
    let i = h - ws;
    if (i < 0) i += w;
    const exit = this.ring[base + i] - ks;
    this.shortSum[slot] += ds - exit;
    this.shortSumSq[slot] += ds * ds - exit * exit;
    return exit;
  }

  /** Exact two-pass statistics over the ring; re-centres both shifts on their means. */
  recompute(slot: number): void {
    const ring = this.ring;
    const n = this.count[slot];
    if (n === 0) return;
    const base = slot * this.stride;
    // Values sit at positions [0, n) until the ring first fills; after that, all w positions.
    const first = ring[base];
    let acc = 0;
    for (let i = 0; i < n; i++) acc += ring[base + i] - first;
    const k = first + acc / n;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = ring[base + i] - k;
      s += d;
      ss += d * d;
    }
    this.shift[slot] = k;
    this.sum[slot] = s;
    this.sumSq[slot] = ss;
    if (this.withShort) this.recomputeShort(slot);
  }

  /** Exact two-pass statistics over the last min(count, Ws) values. O(Ws). */
  recomputeShort(slot: number): void {
    const ring = this.ring;
    const w = this.window[slot];
    const base = slot * this.stride;
    const h = this.head[slot];
    const ns = this.shortCount(slot);
    if (ns === 0) return;
    let acc = 0;
    const first = ring[base + (h === 0 ? w - 1 : h - 1)];
    for (let j = 0, i = h; j < ns; j++) {
      i = i === 0 ? w - 1 : i - 1;
      acc += ring[base + i] - first;
    }
    const k = first + acc / ns;
    let s = 0;
    let ss = 0;
    for (let j = 0, i = h; j < ns; j++) {
      i = i === 0 ? w - 1 : i - 1;
      const d = ring[base + i] - k;
      s += d;
      ss += d * d;
    }
    this.shortShift[slot] = k;
    this.shortSum[slot] = s;
    this.shortSumSq[slot] = ss;
  }

  mean(slot: number): number {
    const n = this.count[slot];
    return n === 0 ? NaN : this.shift[slot] + this.sum[slot] / n;
  }

  /** Population variance of the long window. */
  variance(slot: number): number {
    const n = this.count[slot];
    if (n === 0) return NaN;
    const m = this.sum[slot] / n;
    const v = this.sumSq[slot] / n - m * m;
    return v > 0 ? v : 0;
  }

  /** Samples in the short window (0 when short statistics are not kept). */
  shortCount(slot: number): number {
    if (!this.withShort) return 0;
    const n = this.count[slot];
    const ws = this.shortWindow[slot];
    return n < ws ? n : ws;
  }

  shortMean(slot: number): number {
    const n = this.shortCount(slot);
    return n === 0 ? NaN : this.shortShift[slot] + this.shortSum[slot] / n;
  }

  shortVariance(slot: number): number {
    const n = this.shortCount(slot);
    if (n === 0) return NaN;
    const m = this.shortSum[slot] / n;
    const v = this.shortSumSq[slot] / n - m * m;
    return v > 0 ? v : 0;
  }

  /** Copies the slot's long window, oldest first, into `out`; returns the count. For tests and tools. */
  valuesInto(slot: number, out: Float64Array | number[]): number {
    const n = this.count[slot];
    const w = this.window[slot];
    const base = slot * this.stride;
    const start = n === w ? this.head[slot] : 0;
    for (let j = 0; j < n; j++) {
      let i = start + j;
      if (i >= w) i -= w;
      out[j] = this.ring[base + i];
    }
    return n;
  }
}
