/**
 * The four implementations the core benchmark compares. Each consumes the same round-robin stream
 * (series s of every pass, value k of the stream, timestamp T0 + k) and returns a number for the
 * sink from run(), so nothing it computes can be dropped as dead code.
 */
import { mean, standardDeviation } from 'simple-statistics';
import { Engine } from '../../src/engine/engine.js';
import { AlertLifecycle } from '../../src/core/lifecycle.js';
import type { Rule } from '../../src/core/rule.js';
import { makeRule } from '../../test/support/rules.js';
import { zScore, directedMagnitude, tierOf, tierThresholds, BOTH } from '../../src/core/score.js';
import { SeriesStore } from '../../src/core/store.js';
import { RollingWindows } from '../../src/core/window.js';
import type { ValueStream } from './data.js';

export const IMPLS = ['core-key', 'core-slot', 'baseline-objects', 'baseline-recompute'] as const;
export type ImplName = (typeof IMPLS)[number];

/** 2024-01-01T00:00:00Z: sample k has timestamp T0 + k (ms), increasing. */
const T0 = 1_704_067_200_000;

export const W = 120;
export const SHORT_W = 30;
export const MIN_SAMPLES = 10;
export const Z = 3.5;
const ABS_FLOOR = 1e-9;
const REL_FLOOR = 1e-9;
/** The deployed defaults (config/default.yaml: store.max_series, store.initial_capacity). */
const MAX_SERIES = 1_000_000;
const INITIAL_CAPACITY = 1024;

export function benchRule(): Rule {
  return makeRule({
    name: 'bench',
    window: W,
    shortWindow: SHORT_W,
    minSamples: MIN_SAMPLES,
    tiers: [{ severity: 'warning', z: Z }],
    stdFloor: { absolute: ABS_FLOOR, relative: REL_FLOOR },
  });
}

/** Called once per new series (and per alert): the name is enough for a rule without matchers. */
/** What a run left in memory, per series. */
export interface ImplMemory {
  /** The figure the results table reports: allocated (core) or measured on the heap (baselines). */
  readonly bytesPerSeries: number;
  /** Further figures, named for the JSON. */
  readonly extra: Readonly<Record<string, number>>;
}

export interface Impl {
  readonly name: ImplName;
  readonly series: number;
  /** `passes` passes over every series; returns a value for the sink. */
  run(passes: number): number;
  memory(): ImplMemory;
}

export function createImpl(name: ImplName, keys: readonly Buffer[], stream: ValueStream): Impl {
  switch (name) {
    case 'core-key':
      return new CoreKey(keys, stream);
    case 'core-slot':
      return new CoreSlot(keys.length, stream);
    case 'baseline-objects':
      return new BaselineObjects(keys, stream);
    case 'baseline-recompute':
      return new BaselineRecompute(keys, stream);
  }
}

/** The real path: Engine.observe with the key bytes (a pooled Buffer slice) per sample. */
class CoreKey implements Impl {
  readonly name = 'core-key';
  readonly engine = new Engine({
    rules: [benchRule()],
    maxSeries: MAX_SERIES,
    initialCapacity: INITIAL_CAPACITY,
    idleTimeoutMs: Infinity,
    flapWindowMs: 0,
    source: { topic: 'bench', partition: 0 },
  });
  readonly detector = this.engine.detector;
  alerts = 0;
  private k = 0;

  constructor(
    private readonly keys: readonly Buffer[],
    private readonly stream: ValueStream,
  ) {}

  get series(): number {
    return this.keys.length;
  }

  run(passes: number): number {
    const engine = this.engine;
    const keys = this.keys;
    const series = keys.length;
    const { values, mask } = this.stream;
    let k = this.k;
    let acc = 0;
    for (let p = 0; p < passes; p++) {
      engine.begin(0);
      for (let s = 0; s < series; s++) {
        acc += engine.observe(keys[s], T0 + k, values[k & mask]);
        k++;
      }
      // A worker finishes a batch after every fetch; here, after every pass.
      const n = engine.finish().alerts.length;
      this.alerts += n;
      acc += n;
    }
    this.k = k;
    return acc;
  }

  memory(): ImplMemory {
    const store = this.detector.store;
    const lc = this.detector.lifecycle;
    const series = this.keys.length;
    const storeAllocated = store.allocatedBytes;
    const lifecycleAllocated = lc.capacity * AlertLifecycle.bytesPerSlot;
    return {
      bytesPerSeries: storeAllocated / series,
      extra: {
        capacity: store.capacity,
        store_bytes_per_slot: SeriesStore.bytesPerSlot(store.stride),
        lifecycle_bytes_per_slot: AlertLifecycle.bytesPerSlot,
        key_arena_bytes_per_series: store.keys.arenaBytes / series,
        detector_allocated_bytes_per_series: (storeAllocated + lifecycleAllocated) / series,
      },
    };
  }
}

/** RollingWindows + zScore with the slot given: no key, no lookup, no lifecycle. */
class CoreSlot implements Impl {
  readonly name = 'core-slot';
  readonly windows: RollingWindows;
  private readonly thresholds = tierThresholds(benchRule().tiers);
  private k = 0;

  constructor(
    readonly series: number,
    private readonly stream: ValueStream,
  ) {
    // As the detector keeps them for a rule without multi_window: no short-window slabs.
    this.windows = new RollingWindows(W, series, false);
    for (let s = 0; s < series; s++) this.windows.reset(s, W, SHORT_W);
  }

  run(passes: number): number {
    const w = this.windows;
    const thresholds = this.thresholds;
    const series = this.series;
    const { values, mask } = this.stream;
    let k = this.k;
    let acc = 0;
    for (let p = 0; p < passes; p++) {
      for (let slot = 0; slot < series; slot++) {
        const x = values[k & mask];
        k++;
        if (w.count[slot] >= MIN_SAMPLES) {
          const z = zScore(x, w.mean(slot), w.variance(slot), ABS_FLOOR, REL_FLOOR);
          acc += tierOf(directedMagnitude(z, BOTH), thresholds);
        }
        w.push(slot, x);
      }
    }
    this.k = k;
    return acc;
  }

  memory(): ImplMemory {
    const w = this.windows;
    const allocated = w.ring.byteLength + w.capacity * (RollingWindows.bytesPerSlot(W, false) - 8 * W);
    return {
      bytesPerSeries: allocated / this.series,
      extra: { capacity: w.capacity, windows_bytes_per_slot: RollingWindows.bytesPerSlot(W, false) },
    };
  }
}

/** One object per series: running sums about a shift, an array ring, exact recompute once per wrap. */
class SeriesState {
  readonly ring: number[] = [];
  head = 0;
  n = 0;
  shift = 0;
  sum = 0;
  sumSq = 0;

  constructor() {
    for (let i = 0; i < W; i++) this.ring.push(0.5);
  }
}

/** What a careful kafkajs eachMessage handler does: key.toString(), a Map, an object per series. */
class BaselineObjects implements Impl {
  readonly name = 'baseline-objects';
  readonly map = new Map<string, SeriesState>();
  private k = 0;

  constructor(
    private readonly keys: readonly Buffer[],
    private readonly stream: ValueStream,
  ) {}

  get series(): number {
    return this.keys.length;
  }

  run(passes: number): number {
    const map = this.map;
    const keys = this.keys;
    const series = keys.length;
    const { values, mask } = this.stream;
    let k = this.k;
    let acc = 0;
    for (let p = 0; p < passes; p++) {
      for (let s = 0; s < series; s++) {
        const id = keys[s].toString();
        const x = values[k & mask];
        k++;
        let st = map.get(id);
        if (st === undefined) {
          st = new SeriesState();
          st.shift = x;
          map.set(id, st);
        }
        let n = st.n;
        if (n >= MIN_SAMPLES) {
          const m = st.sum / n;
          const v = st.sumSq / n - m * m;
          const mu = st.shift + m;
          let sd = Math.sqrt(v > 0 ? v : 0);
          const rel = REL_FLOOR * Math.abs(mu);
          if (sd < rel) sd = rel;
          if (sd < ABS_FLOOR) sd = ABS_FLOOR;
          const z = (x - mu) / sd;
          if (z >= Z || z <= -Z) acc++;
        }
        const d = x - st.shift;
        const ring = st.ring;
        let h = st.head;
        if (n === W) {
          const e = ring[h] - st.shift;
          st.sum += d - e;
          st.sumSq += d * d - e * e;
        } else {
          st.sum += d;
          st.sumSq += d * d;
          st.n = ++n;
        }
        ring[h] = x;
        if (++h === W) {
          h = 0;
          recenter(st);
        }
        st.head = h;
      }
    }
    this.k = k;
    return acc;
  }

  memory(): ImplMemory {
    return { bytesPerSeries: NaN, extra: {} };
  }
}

/** Exact two-pass sums about the mean, once per W samples (as the core does). */
function recenter(st: SeriesState): void {
  const ring = st.ring;
  const n = st.n;
  let a = 0;
  for (let i = 0; i < n; i++) a += ring[i];
  const k = a / n;
  let s = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = ring[i] - k;
    s += d;
    ss += d * d;
  }
  st.shift = k;
  st.sum = s;
  st.sumSq = ss;
}

/** The same key handling; an array window per series; simple-statistics mean and std per sample. */
class BaselineRecompute implements Impl {
  readonly name = 'baseline-recompute';
  readonly map = new Map<string, number[]>();
  private k = 0;

  constructor(
    private readonly keys: readonly Buffer[],
    private readonly stream: ValueStream,
  ) {}

  get series(): number {
    return this.keys.length;
  }

  run(passes: number): number {
    const map = this.map;
    const keys = this.keys;
    const series = keys.length;
    const { values, mask } = this.stream;
    let k = this.k;
    let acc = 0;
    for (let p = 0; p < passes; p++) {
      for (let s = 0; s < series; s++) {
        const id = keys[s].toString();
        const x = values[k & mask];
        k++;
        let win = map.get(id);
        if (win === undefined) {
          win = [];
          map.set(id, win);
        }
        if (win.length >= MIN_SAMPLES) {
          const mu = mean(win);
          let sd = standardDeviation(win);
          const rel = REL_FLOOR * Math.abs(mu);
          if (sd < rel) sd = rel;
          if (sd < ABS_FLOOR) sd = ABS_FLOOR;
          const z = (x - mu) / sd;
          if (z >= Z || z <= -Z) acc++;
        }
        win.push(x);
        if (win.length > W) win.shift();
      }
    }
    this.k = k;
    return acc;
  }

  memory(): ImplMemory {
    return { bytesPerSeries: NaN, extra: {} };
  }
}
