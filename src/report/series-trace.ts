/**
 * One series' values over time for a chart, in bounded memory: however many rows a replay feeds
 * it, a trace holds at most `cap` points. Up to the cap every row is kept; past it the trace
 * halves itself by keeping the minimum and the maximum of every 4 points, and later rows are
 * folded the same way (min and max of each group of 2^(level+1) rows), so spikes and dips stay
 * visible at any length (the way a min/max-per-pixel chart decimates) while memory stays flat.
 * Each point carries the expected band (lo, hi) of its row, NaN where the row was not scored.
 *
 * Two arrays per trace (time and value interleaved; lo and hi interleaved), starting small: a
 * replay can hold a trace for each of many thousands of series.
 */

/** Points a trace starts with room for; it doubles up to its cap. */
const INITIAL_POINTS = 8;

export class SeriesTrace {
  /** [ts0, value0, ts1, value1, ...] for points [0, length): Unix ms and value. */
  private tv = new Float64Array(2 * INITIAL_POINTS);
  /** [lo0, hi0, lo1, hi1, ...]: the expected band of each point. */
  private band = new Float32Array(2 * INITIAL_POINTS);
  private length = 0;
  /** Rows fed in (every row, kept or folded). */
  rows = 0;
  /** 0: every row is a point; L ≥ 1: each pair of points is the min and max of 2^(L+1) rows. */
  level = 0;
  /** The group being folded at level ≥ 1: its rows so far, and its lowest and highest row. */
  private groupRows = 0;
  private minTs = 0;
  private minValue = 0;
  private minLo = 0;
  private minHi = 0;
  private maxTs = 0;
  private maxValue = 0;
  private maxLo = 0;
  private maxHi = 0;

  /** @param cap most points kept, a multiple of 4 (≥ 8) */
  constructor(private cap: number) {
    checkCap(cap);
  }

  /** Rows folded into each point on average (1 while every row is kept). */
  get rowsPerPoint(): number {
    return 2 ** this.level;
  }

  /** Adds one row (rows arrive in time order per series). */
  add(ts: number, value: number, lo: number, hi: number): void {
    this.rows++;
    if (this.level === 0) {
      this.push(ts, value, lo, hi);
      if (this.length >= this.cap) this.halve();
      return;
    }
    const first = this.groupRows++ === 0;
    if (first || value < this.minValue) {
      this.minTs = ts;
      this.minValue = value;
      this.minLo = lo;
      this.minHi = hi;
    }
    if (first || value > this.maxValue) {
      this.maxTs = ts;
      this.maxValue = value;
      this.maxLo = lo;
      this.maxHi = hi;
    }
    if (this.groupRows === 2 ** (this.level + 1)) {
      this.flushGroup();
      if (this.length >= this.cap) this.halve();
    }
  }

  /** Lowers the cap (the replay's point budget shared by more series); halves until within it. */
  setCap(cap: number): void {
    checkCap(cap);
    this.cap = cap;
    while (this.length >= cap) this.halve();
  }

  /**
   * Calls `each` for every point in time order, the group being folded last (its min and max so
   * far), without changing the trace.
   */
  forEach(each: (ts: number, value: number, lo: number, hi: number) => void): void {
    const { tv, band } = this;
    for (let i = 0; i < this.length; i++) each(tv[2 * i], tv[2 * i + 1], band[2 * i], band[2 * i + 1]);
    if (this.groupRows === 0) return;
    if (this.groupRows === 1 || this.minTs === this.maxTs) {
      each(this.minTs, this.minValue, this.minLo, this.minHi);
    } else if (this.minTs < this.maxTs) {
      each(this.minTs, this.minValue, this.minLo, this.minHi);
      each(this.maxTs, this.maxValue, this.maxLo, this.maxHi);
    } else {
      each(this.maxTs, this.maxValue, this.maxLo, this.maxHi);
      each(this.minTs, this.minValue, this.minLo, this.minHi);
    }
  }

  /** Points forEach would give. */
  get points(): number {
    return this.length + (this.groupRows === 0 ? 0 : this.groupRows > 1 && this.minTs !== this.maxTs ? 2 : 1);
  }

  /** Memory held by the points, in bytes. */
  get bytes(): number {
    return this.tv.byteLength + this.band.byteLength;
  }

  private flushGroup(): void {
    if (this.minTs <= this.maxTs) {
      this.push(this.minTs, this.minValue, this.minLo, this.minHi);
      this.push(this.maxTs, this.maxValue, this.maxLo, this.maxHi);
    } else {
      this.push(this.maxTs, this.maxValue, this.maxLo, this.maxHi);
      this.push(this.minTs, this.minValue, this.minLo, this.minHi);
    }
    this.groupRows = 0;
  }

  private push(ts: number, value: number, lo: number, hi: number): void {
    // (+2: a cap lowered onto an odd length leaves room for one pair past it, folded at once)
    if (2 * this.length === this.tv.length) this.grow(Math.max(this.length + 2, Math.min(this.cap, this.length * 2)));
    const i = 2 * this.length++;
    this.tv[i] = ts;
    this.tv[i + 1] = value;
    this.band[i] = lo;
    this.band[i + 1] = hi;
  }

  /**
   * Every 4 points become their min and max (in time order): half the points, each pair now
   * standing for twice the rows. A trailing group of fewer than 4 stays as it is. The group being
   * folded carries on towards the new, doubled size.
   */
  private halve(): void {
    const tv = this.tv;
    let out = 0;
    let i = 0;
    for (; i + 4 <= this.length; i += 4) {
      let mn = i;
      let mx = i;
      for (let j = i + 1; j < i + 4; j++) {
        if (tv[2 * j + 1] < tv[2 * mn + 1]) mn = j;
        if (tv[2 * j + 1] > tv[2 * mx + 1]) mx = j;
      }
      if (mn === mx) mx = i + 3; // a flat group: keep its ends
      this.move(mn < mx ? mn : mx, out++);
      this.move(mn < mx ? mx : mn, out++);
    }
    for (; i < this.length; i++) this.move(i, out++);
    this.length = out;
    this.level++;
  }

  private move(from: number, to: number): void {
    this.tv[2 * to] = this.tv[2 * from];
    this.tv[2 * to + 1] = this.tv[2 * from + 1];
    this.band[2 * to] = this.band[2 * from];
    this.band[2 * to + 1] = this.band[2 * from + 1];
  }

  private grow(points: number): void {
    const tv = new Float64Array(2 * points);
    tv.set(this.tv.subarray(0, 2 * this.length));
    const band = new Float32Array(2 * points);
    band.set(this.band.subarray(0, 2 * this.length));
    this.tv = tv;
    this.band = band;
  }
}

function checkCap(cap: number): void {
  if (!(Number.isInteger(cap) && cap >= 8 && cap % 4 === 0))
    throw new RangeError(`a trace's cap must be a multiple of 4 from 8 up, got ${cap}`);
}
