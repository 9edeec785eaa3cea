/**
 * Synthetic telemetry: N seeded series, each a base level plus a sine seasonality plus Gaussian
 * noise, with spikes and dips of a chosen size (in noise σ) injected at a chosen rate. Every
 * injected anomaly is recorded, so tests and the demo can check that each one was caught.
 * Pure: no Kafka, no I/O; the clock is read only when `startTs` is not given.
 *
 * Determinism: series i's k-th sample depends only on (seed, i, k), never on the series count,
 * the record format or the drawing order, because every series has its own PRNG stream (one uint32
 * in a slab, see random.ts). So `series: 100` gives exactly the first 100 series of `series: 1000`,
 * and a compact run and a compact-multi run with the same seed carry the same values.
 *
 * Time: sample k of every series is stamped `startTs + k × intervalMs` (sample time, not wall time).
 * `fillRounds` draws round-robin (series 0, 1, …, N-1, then the next round); `fillSeries` draws
 * several consecutive samples of one series (for multi-point records).
 */

import { formatSeriesId } from '../codec/series-id.js';
import { hash32, mulberry32, nextGaussian, nextUniform } from './random.js';
import { dropUndefined, expectInteger, expectNumber } from './validate.js';

export interface GeneratorOptions {
  /** Number of series, ≥ 1. */
  series: number;
  /** Default 1. The same seed gives the same series names, shapes, noise and anomalies. */
  seed?: number;
  /** Unix ms of every series' first sample. Default: now, rounded down to `intervalMs`. */
  startTs?: number;
  /** Sample-time spacing of one series' samples, in ms (integer ≥ 1). Default 1000. */
  intervalMs?: number;
  /** No anomaly among a series' first `warmup` samples (the detector needs a window). Default 120. */
  warmup?: number;
  /** Probability that a sample (past warm-up) is an anomaly, in [0, 1]. Default 0. */
  anomalyRate?: number;
  /** Size of an anomaly in noise σ of its series: value = clean ± anomalySigma × σ. Default 8. */
  anomalySigma?: number;
  /**
   * At least this many clean samples between two anomalies of one series, so each anomaly meets a
   * calm window and its alert has resolved before the next. Default `warmup`.
   */
  anomalyGap?: number;
  /** Noise σ relative to the base level (each series gets 0.5–1.5 × this). Default 0.02. */
  noise?: number;
  /** Seasonal amplitude relative to the base level. Default 0.2. */
  seasonalAmplitude?: number;
  /** Period of the seasonality in ms of sample time. Default one day. */
  seasonalPeriodMs?: number;
}

/** One injected spike (sign +1) or dip (sign -1). */
export interface InjectedAnomaly {
  /** Canonical series id (the record key). */
  series: string;
  /** Unix ms (sample time). */
  ts: number;
  /** The value sent: `expected + sign × anomalySigma × sigma`. */
  value: number;
  /** The clean value at `ts`: base + seasonality, without noise. */
  expected: number;
  sign: 1 | -1;
  /** The noise σ of the series. */
  sigma: number;
}

/** A series' identity and shape (built on request; the generator itself keeps only slabs). */
export interface SeriesSpec {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly base: number;
  /** Noise σ, in units of the metric. */
  readonly sigma: number;
  /** Seasonal amplitude, in units of the metric. */
  readonly amplitude: number;
  /** Seasonal phase, radians. */
  readonly phase: number;
}

/** One drawn sample (`take`'s allocating form). */
export interface GeneratedSample {
  series: number;
  ts: number;
  value: number;
}

/** Round-robin samples, struct-of-arrays; reused across `fillRounds` calls. */
export class SampleBlock {
  count = 0;
  readonly series: Uint32Array;
  readonly ts: Float64Array;
  readonly values: Float64Array;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`SampleBlock: capacity must be an integer ≥ 1, got ${capacity}`);
    this.series = new Uint32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }
}

export const GENERATOR_DEFAULTS = {
  seed: 1,
  intervalMs: 1000,
  warmup: 120, // the default rule's window
  anomalyRate: 0,
  anomalySigma: 8,
  noise: 0.02,
  seasonalAmplitude: 0.2,
  seasonalPeriodMs: 86_400_000,
} as const;

/** Metric families: series i is family i mod 5 on host ⌊i / 5⌋; base levels are log-uniform in [min, max]. */
const FAMILIES = [
  { name: 'http_request_duration_seconds', min: 0.02, max: 0.8 },
  { name: 'http_requests_per_second', min: 20, max: 2000 },
  { name: 'cpu_usage_ratio', min: 0.1, max: 0.7 },
  { name: 'memory_used_bytes', min: 2e8, max: 8e9 },
  { name: 'queue_depth', min: 5, max: 500 },
] as const;
const ROLES = ['web', 'api', 'worker'] as const;
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1'] as const;
const SERVICES = ['checkout', 'cart', 'search', 'payments', 'auth', 'catalog', 'shipping', 'recommendations'] as const;

// Salts that separate the seed streams of one seed: a series' shape, its samples, its host.
const SHAPE = 1;
const SAMPLES = 2;
const HOST = 3;

const pick = <T>(items: readonly T[], rand: () => number): T => items[Math.floor(rand() * items.length)]!;

export class TelemetryGenerator {
  readonly seriesCount: number;
  readonly seed: number;
  readonly startTs: number;
  readonly intervalMs: number;
  readonly warmup: number;
  readonly anomalyRate: number;
  readonly anomalySigma: number;
  readonly anomalyGap: number;
  /** Canonical series ids, by series index. */
  readonly ids: readonly string[];
  /** Every anomaly drawn so far, in drawing order. */
  readonly anomalies: InjectedAnomaly[] = [];

  // Per-series slabs, indexed by series.
  readonly #base: Float64Array;
  readonly #sigma: Float64Array;
  readonly #amplitude: Float64Array;
  readonly #phase: Float64Array;
  /** mulberry32 state of the series' sample stream. */
  readonly #rng: Uint32Array;
  /** Box–Muller's second value, NaN when none is pending. */
  readonly #spare: Float64Array;
  /** Samples drawn so far = the index k of the next one. */
  readonly #drawn: Float64Array;
  /** k of the series' last anomaly; -Infinity before the first. */
  readonly #lastAnomaly: Float64Array;
  readonly #omega: number;
  readonly #period: number;
  /** Next series of the round-robin (`fillRounds`). */
  #cursor = 0;
  #total = 0;

  constructor(options: GeneratorOptions) {
    const o = { ...GENERATOR_DEFAULTS, ...dropUndefined(options) };
    this.seriesCount = expectInteger('series', o.series, 1, 2 ** 32 - 1);
    this.seed = expectInteger('seed', o.seed, -(2 ** 31), 2 ** 32 - 1);
    this.intervalMs = expectInteger('intervalMs', o.intervalMs, 1);
    this.startTs =
      o.startTs === undefined ? Math.floor(Date.now() / this.intervalMs) * this.intervalMs : expectInteger('startTs', o.startTs, 1);
    this.warmup = expectInteger('warmup', o.warmup, 0);
    this.anomalyRate = expectNumber('anomalyRate', o.anomalyRate, 0, 1);
    this.anomalySigma = expectNumber('anomalySigma', o.anomalySigma, 0);
    this.anomalyGap = o.anomalyGap === undefined ? this.warmup : expectInteger('anomalyGap', o.anomalyGap, 0);
    const noise = expectNumber('noise', o.noise, 0);
    const amplitude = expectNumber('seasonalAmplitude', o.seasonalAmplitude, 0);
    this.#period = expectInteger('seasonalPeriodMs', o.seasonalPeriodMs, 1);
    this.#omega = (2 * Math.PI) / this.#period;

    const n = this.seriesCount;
    this.#base = new Float64Array(n);
    this.#sigma = new Float64Array(n);
    this.#amplitude = new Float64Array(n);
    this.#phase = new Float64Array(n);
    this.#rng = new Uint32Array(n);
    this.#spare = new Float64Array(n).fill(NaN);
    this.#drawn = new Float64Array(n);
    this.#lastAnomaly = new Float64Array(n).fill(-Infinity);
    const ids = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const shape = mulberry32(hash32(this.seed, i, SHAPE));
      const family = FAMILIES[i % FAMILIES.length]!;
      const base = family.min * Math.pow(family.max / family.min, shape());
      this.#base[i] = base;
      this.#sigma[i] = base * noise * (0.5 + shape());
      this.#amplitude[i] = base * amplitude * (0.5 + shape());
      this.#phase[i] = 2 * Math.PI * shape();
      this.#rng[i] = hash32(this.seed, i, SAMPLES);
      const { name, labels } = this.#identity(i);
      ids[i] = formatSeriesId(name, labels);
    }
    this.ids = ids;
  }

  /** Samples drawn so far, all series. */
  get samplesGenerated(): number {
    return this.#total;
  }

  /** The series `fillRounds` draws next. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Samples drawn so far from series `i`. */
  drawnOf(i: number): number {
    return this.#drawn[i]!;
  }

  /** Name, labels and shape of series `i`. */
  describe(i: number): SeriesSpec {
    if (!Number.isInteger(i) || i < 0 || i >= this.seriesCount)
      throw new RangeError(`describe: no series ${i} (0 ≤ i < ${this.seriesCount})`);
    const { name, labels } = this.#identity(i);
    return {
      index: i,
      id: this.ids[i]!,
      name,
      labels,
      base: this.#base[i]!,
      sigma: this.#sigma[i]!,
      amplitude: this.#amplitude[i]!,
      phase: this.#phase[i]!,
    };
  }

  /** The clean value (base + seasonality, no noise) of series `i` at `ts`. */
  expectedAt(i: number, ts: number): number {
    return this.#base[i]! + this.#amplitude[i]! * Math.sin(this.#omega * (ts % this.#period) + this.#phase[i]!);
  }

  /**
   * Draws up to `max` (default: capacity) samples round-robin into `out` (overwritten), starting
   * at `cursor`. Returns how many, also left in `out.count`.
   */
  fillRounds(out: SampleBlock, max = out.capacity): number {
    const n = Math.min(Math.max(0, Math.floor(max)), out.capacity);
    const { series, ts, values } = out;
    const count = this.seriesCount;
    let i = this.#cursor;
    for (let j = 0; j < n; j++) {
      const t = this.startTs + this.#drawn[i]! * this.intervalMs;
      series[j] = i;
      ts[j] = t;
      values[j] = this.#draw(i, t);
      if (++i === count) i = 0;
    }
    this.#cursor = i;
    out.count = n;
    return n;
  }

  /**
   * Draws the next `count` samples of series `i` into `ts` and `values` (from index 0). Leaves the
   * round-robin cursor alone. Returns `count`.
   */
  fillSeries(i: number, count: number, ts: Float64Array, values: Float64Array): number {
    if (count > ts.length || count > values.length)
      throw new RangeError(`fillSeries: ${count} samples do not fit in arrays of ${Math.min(ts.length, values.length)}`);
    for (let j = 0; j < count; j++) {
      const t = this.startTs + this.#drawn[i]! * this.intervalMs;
      ts[j] = t;
      values[j] = this.#draw(i, t);
    }
    return count;
  }

  /** The next `n` round-robin samples as objects (allocating; for tests and small tools). */
  take(n: number): GeneratedSample[] {
    const block = new SampleBlock(Math.max(1, n));
    this.fillRounds(block, n);
    const out: GeneratedSample[] = [];
    for (let j = 0; j < block.count; j++) out.push({ series: block.series[j]!, ts: block.ts[j]!, value: block.values[j]! });
    return out;
  }

  /** Sample k = drawn[i] of series i, stamped t. */
  #draw(i: number, t: number): number {
    const k = this.#drawn[i]!;
    this.#drawn[i] = k + 1;
    this.#total++;
    // Exactly one uniform and one normal per sample, anomaly or not, so the noise of a series
    // does not depend on the anomaly rate. The sign comes from the same uniform: u < rate/2 → up.
    const u = nextUniform(this.#rng, i);
    const z = nextGaussian(this.#rng, this.#spare, i);
    const expected = this.expectedAt(i, t);
    const sigma = this.#sigma[i]!;
    if (u < this.anomalyRate && k >= this.warmup && k - this.#lastAnomaly[i]! > this.anomalyGap) {
      this.#lastAnomaly[i] = k;
      const sign: 1 | -1 = u < this.anomalyRate / 2 ? 1 : -1;
      const value = expected + sign * this.anomalySigma * sigma;
      this.anomalies.push({ series: this.ids[i]!, ts: t, value, expected, sign, sigma });
      return value;
    }
    return expected + sigma * z;
  }

  /** Series i is family i mod 5 on host ⌊i / 5⌋; the host's role, region and service come from the seed. */
  #identity(i: number): { name: string; labels: Record<string, string> } {
    const host = Math.floor(i / FAMILIES.length);
    const rand = mulberry32(hash32(this.seed, host, HOST));
    const role = pick(ROLES, rand);
    const region = pick(REGIONS, rand);
    const service = pick(SERVICES, rand);
    return {
      name: FAMILIES[i % FAMILIES.length]!.name,
      labels: { host: `${role}-${String(host).padStart(3, '0')}`, region, service },
    };
  }
}
