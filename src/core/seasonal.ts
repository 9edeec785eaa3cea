/**
 * A daily seasonal baseline at bounded cost: per slot, a coarse profile of the series over the day
 * (`buckets` time-of-day buckets, each an average of the values seen in it over about `days`
 * days), looked up by the sample's timestamp — not by sample count, so gaps and uneven sampling
 * do not shift it — . Beside it, the
 * exponentially weighted mean and variance of the residual (value − profile).
 *
 * The detector scores against the profile only where it explains the series: once the profile
 * has seen a full day, and while the residual's variance is below `explains` × the variance
 * around the plain long-run mean. Elsewhere (no daily pattern, not enough history) the plain
 * baseline stands, so a series without seasonality loses nothing.
 */
import { grow } from './slab.js';
import type { Snapshot, SnapshotReader } from './snapshot.js';
import { LongMemory, weightedPush } from './long-memory.js';

const DAY_MS = 86_400_000;
/** A bucket averages at least this many values, whatever `days` and the sampling rate say. */
const MIN_BUCKET_MEMORY = 8;

/** Slabs of `buckets` values a slot, and of one value a slot, as checkpoints write them. */
const BUCKET_SLABS = ['profile', 'spread', 'seen'] as const;
const SLOT_SLABS = ['since', 'interval'] as const;

export interface SeasonalParams {
  /** Time-of-day buckets (the profile's resolution: 48 = half-hours). */
  readonly buckets: number;
  /** Each bucket averages about this many days (older days fade). */
  readonly days: number;
  /** Use the profile while residual variance < explains × plain variance. */
  readonly explains: number;
  /** Memory of the residual statistics, in samples. */
  readonly memory: number;
}

export class SeasonalProfiles {
  capacity: number;
  readonly buckets: number;
  /** profile[slot × buckets + b]: the average value in time-of-day bucket b. */
  profile: Float64Array;
  /** spread[slot × buckets + b]: the variance of the values in bucket b about that average. */
  spread: Float64Array;
  /** Values each bucket has averaged, capped at 255 (the first ones weigh 1/n). */
  seen: Uint8Array;
  /** The first sample's time, to know when a full day has passed. */
  since: Float64Array;
  /** The series' typical sampling interval (ms, exponentially weighted): how many values a bucket gets a day. */
  interval: Float64Array;
  /** Exponentially weighted statistics of the residual (value − profile), for the `explains` test. */
  readonly residual: LongMemory;

  constructor(capacity: number, buckets: number) {
    this.capacity = capacity;
    this.buckets = buckets;
    this.profile = new Float64Array(capacity * buckets);
    this.spread = new Float64Array(capacity * buckets);
    this.seen = new Uint8Array(capacity * buckets);
    this.since = new Float64Array(capacity);
    this.interval = new Float64Array(capacity);
    this.residual = new LongMemory(capacity);
  }

  static bytesPerSlot(buckets: number): number {
    return buckets * 17 + 2 * 8 + LongMemory.bytesPerSlot;
  }

  grow(capacity: number): void {
    this.profile = grow(this.profile, capacity * this.buckets);
    this.spread = grow(this.spread, capacity * this.buckets);
    this.seen = grow(this.seen, capacity * this.buckets);
    this.since = grow(this.since, capacity);
    this.interval = grow(this.interval, capacity);
    this.residual.grow(capacity);
    this.capacity = capacity;
  }

  reset(slot: number): void {
    const base = slot * this.buckets;
    this.profile.fill(0, base, base + this.buckets);
    this.spread.fill(0, base, base + this.buckets);
    this.seen.fill(0, base, base + this.buckets);
    this.since[slot] = NaN;
    this.interval[slot] = 0;
    this.residual.reset(slot);
  }

  /** Adds the state of slots [0, slots) to `s` under `prefix` (the profiles: `buckets` values a slot). */
  writeSnapshot(s: Snapshot, prefix: string, slots: number): void {
    s.setMeta(prefix, { buckets: this.buckets });
    for (const name of BUCKET_SLABS) s.add(prefix + name, this[name].subarray(0, slots * this.buckets));
    for (const name of SLOT_SLABS) s.add(prefix + name, this[name].subarray(0, slots));
    this.residual.writeSnapshot(s, `${prefix}residual.`, slots);
  }

  /** Loads what writeSnapshot wrote (this has grown to hold the slots; the bucket count must match). */
  readSnapshot(r: SnapshotReader, prefix: string): void {
    const meta = r.metaOf(prefix) as { buckets: number } | undefined;
    if (meta?.buckets !== this.buckets)
      throw new Error(`snapshot's daily profiles have ${meta?.buckets} buckets, this one ${this.buckets}`);
    for (const name of BUCKET_SLABS) this[name].set(r.get(prefix + name) as never);
    for (const name of SLOT_SLABS) this[name].set(r.f64(prefix + name));
    this.residual.readSnapshot(r, `${prefix}residual.`);
  }

  /** Whether the profile has had a full day to learn (every bucket had its chance). */
  covers(slot: number, ts: number): boolean {
    return ts - this.since[slot] >= DAY_MS;
  }

  /**
   * The profile in bucket `i` (bucketOf) into out[0] (expected value) and out[1] (variance about
   * it): the statistics of the sample's own time-of-day bucket; false when it has seen nothing.
   * (No interpolation between buckets: across a sharp daily edge it would expect a value the
   * series never takes.)
   */
  expected(i: number, out: Float64Array): boolean {
    if (this.seen[i] === 0) return false;
    out[0] = this.profile[i];
    out[1] = this.spread[i];
    return true;
  }

  /** How many values bucket `i` has averaged (capped at 255). */
  valuesAt(i: number): number {
    return this.seen[i];
  }

  /** The index of the slot's time-of-day bucket at `ts`, for expected(), valuesAt() and push(). Once per sample. */
  bucketOf(slot: number, ts: number): number {
    const B = this.buckets;
    // Sample times are positive Unix ms; the second remainder only guards a negative one.
    let ofDay = ts % DAY_MS;
    if (ofDay < 0) ofDay += DAY_MS;
    return slot * B + Math.floor(ofDay * (B / DAY_MS));
  }

  /**
   * Learns x at ts, in bucket `i` (bucketOf), `dt` after the series' previous sample (not finite
   * or ≤ 0 when unknown): its residual against the profile as it was, then the bucket.
   */
  push(slot: number, i: number, ts: number, dt: number, x: number, p: SeasonalParams): void {
    if (this.since[slot] !== this.since[slot]) this.since[slot] = ts;
    if (dt > 0 && dt < Infinity)
      this.interval[slot] = this.interval[slot] === 0 ? dt : this.interval[slot] + 0.01 * (dt - this.interval[slot]);
    if (this.seen[i] > 0) this.residual.push(slot, x - this.profile[i], p.memory);
    const B = this.buckets;
    const n = this.seen[i] < 255 ? ++this.seen[i] : 255;
    // A bucket gets (day / buckets) / interval values a day; each weighs 1/(that × days), so the
    // profile remembers about `days` days whatever the sampling rate, but never fewer than
    // MIN_BUCKET_MEMORY values (a sparse series' spread needs that many to mean anything); the
    // first values weigh 1/n.
    const perDay = this.interval[slot] > 0 ? DAY_MS / B / this.interval[slot] : 1;
    let alpha = 1 / Math.max(perDay * p.days, MIN_BUCKET_MEMORY);
    if (alpha < 1 / n) alpha = 1 / n;
    weightedPush(this.profile, this.spread, i, x, alpha);
  }
}
