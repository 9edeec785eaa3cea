/**
 * One series' values over time for a chart, in bounded memory: however many rows a replay feeds
 * it, a trace holds at most `cap` points. Up to the cap every row is kept; past it the trace
 * halves itself by keeping the minimum and the maximum of every 4 points, and later rows are
 * folded the same way (min and max of each group of 2^(level+1) rows), so spikes and dips stay
 * visible at any length (the way a min/max-per-pixel chart decimates) while memory stays flat.
 * Each point carries the expected band (lo, hi) of its row, NaN where the row was not scored.
 */

/** Points a trace starts with room for; it doubles up to its cap. */
const INITIAL_POINTS = 64;

export class SeriesTrace {
  /** Sample times (Unix ms), values and band, points [0, length). */
  ts = new Float64Array(INITIAL_POINTS);
  value = new Float64Array(INITIAL_POINTS);
  lo = new Float32Array(INITIAL_POINTS);
  hi = new Float32Array(INITIAL_POINTS);
  length = 0;
  /** Rows fed in (every row, kept or folded). */
  rows = 0;
  /** 0: every row is a point; L ≥ 1: each pair of points is the min and max of 2^(L+1) rows. */
  level = 0;
  /** The group being folded at level ≥ 1: rows in it, and the indices 0 = min, 1 = max of its rows' fields. */
  private groupRows = 0;
  private readonly groupTs = new Float64Array(2);
  private readonly groupValue = new Float64Array(2);
  private readonly groupLo = new Float64Array(2);
  private readonly groupHi = new Float64Array(2);

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
    const g = this.groupRows++;
    if (g === 0 || value < this.groupValue[0]) this.setGroup(0, ts, value, lo, hi);
    if (g === 0 || value > this.groupValue[1]) this.setGroup(1, ts, value, lo, hi);
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
    for (let i = 0; i < this.length; i++) each(this.ts[i], this.value[i], this.lo[i], this.hi[i]);
    if (this.groupRows === 0) return;
    const first = this.groupTs[0] <= this.groupTs[1] ? 0 : 1;
    each(this.groupTs[first], this.groupValue[first], this.groupLo[first], this.groupHi[first]);
    if (this.groupRows > 1 && this.groupTs[0] !== this.groupTs[1])
      each(this.groupTs[1 - first], this.groupValue[1 - first], this.groupLo[1 - first], this.groupHi[1 - first]);
  }

  /** Points forEach would give. */
  get points(): number {
    return this.length + (this.groupRows === 0 ? 0 : this.groupRows > 1 && this.groupTs[0] !== this.groupTs[1] ? 2 : 1);
  }

  /** Memory held by the points, in bytes. */
  get bytes(): number {
    return this.ts.byteLength + this.value.byteLength + this.lo.byteLength + this.hi.byteLength;
  }

  private setGroup(i: number, ts: number, value: number, lo: number, hi: number): void {
    this.groupTs[i] = ts;
    this.groupValue[i] = value;
    this.groupLo[i] = lo;
    this.groupHi[i] = hi;
  }

  private flushGroup(): void {
    const first = this.groupTs[0] <= this.groupTs[1] ? 0 : 1;
    this.push(this.groupTs[first], this.groupValue[first], this.groupLo[first], this.groupHi[first]);
    this.push(this.groupTs[1 - first], this.groupValue[1 - first], this.groupLo[1 - first], this.groupHi[1 - first]);
    this.groupRows = 0;
  }

  private push(ts: number, value: number, lo: number, hi: number): void {
    // (+2: a cap lowered onto an odd length leaves room for one pair past it, folded at once)
    if (this.length === this.ts.length) this.grow(Math.max(this.length + 2, Math.min(this.cap, this.length * 2)));
    const i = this.length++;
    this.ts[i] = ts;
    this.value[i] = value;
    this.lo[i] = lo;
    this.hi[i] = hi;
  }

  /**
   * Every 4 points become their min and max (in time order): half the points, each pair now
   * standing for twice the rows. A trailing group of fewer than 4 stays as it is. The group being
   * folded carries on towards the new, doubled size.
   */
  private halve(): void {
    const value = this.value;
    let out = 0;
    let i = 0;
    for (; i + 4 <= this.length; i += 4) {
      let mn = i;
      let mx = i;
      for (let j = i + 1; j < i + 4; j++) {
        if (value[j] < value[mn]) mn = j;
        if (value[j] > value[mx]) mx = j;
      }
      if (mn === mx) mx = i + 3; // a flat group: keep its ends
      const a = mn < mx ? mn : mx;
      const b = mn < mx ? mx : mn;
      this.move(a, out++);
      this.move(b, out++);
    }
    for (; i < this.length; i++) this.move(i, out++);
    this.length = out;
    this.level++;
  }

  private move(from: number, to: number): void {
    this.ts[to] = this.ts[from];
    this.value[to] = this.value[from];
    this.lo[to] = this.lo[from];
    this.hi[to] = this.hi[from];
  }

  private grow(capacity: number): void {
    const n = Math.max(capacity, INITIAL_POINTS);
    const copy = <T extends Float64Array | Float32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.ts = copy(this.ts, (k) => new Float64Array(k));
    this.value = copy(this.value, (k) => new Float64Array(k));
    this.lo = copy(this.lo, (k) => new Float32Array(k));
    this.hi = copy(this.hi, (k) => new Float32Array(k));
  }
}

function checkCap(cap: number): void {
  if (!(Number.isInteger(cap) && cap >= 8 && cap % 4 === 0))
    throw new RangeError(`a trace's cap must be a multiple of 4 from 8 up, got ${cap}`);
}
