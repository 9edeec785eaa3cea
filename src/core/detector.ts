/**
 * The detection engine of one partition (or one replay): key bytes + (ts, value) in, alert
 * transitions out. The single code path that the worker, replay and the benchmarks drive.
 *
 * Per sample: find the slot from the key bytes (a new series is admitted once: labels parsed,
 * rule matched), score the sample against the window before it, step the alert lifecycle, then
 * add the sample to the window. Nothing is allocated per sample; an alert (rare) allocates its record.
 */
import type { Rule } from './rule.js';
import { SeriesStore, NO_RULE, MAX_RULES } from './store.js';
import { AlertLifecycle, Transition, TRANSITION_NAMES, FIRING, INACTIVE, type HoldParams } from './lifecycle.js';
import { zScore, flooredStd, directedMagnitude, directionCode, tierOf, tierThresholds } from './score.js';
import { compileMatchers } from './matcher.js';

/** What observe() did with a sample. */
export const Outcome = {
  Scored: 0,
  /** Fewer than min_samples in the window: added, not scored. */
  Learning: 1,
  /** No rule matches the series. */
  NoRule: 2,
  /** The store holds max_series series already; the sample is dropped. */
  Refused: 3,
  /** NaN, ±Infinity or a magnitude beyond MAX_ABS_VALUE: never enters a window. */
  RejectedValue: 4,
  /** The key is not a valid series id. */
  BadKey: 5,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** Beyond this, squares overflow float64: such values are rejected, not silently turned into Infinity. */
export const MAX_ABS_VALUE = 1e150;

export interface SeriesLabels {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Parses a series id into name and labels; throws on a malformed key. Injected: the core has no codec. */
export type KeyParser = (key: string) => SeriesLabels;

export interface DetectorOptions {
  readonly rules: readonly Rule[];
  readonly maxSeries: number;
  readonly initialCapacity?: number;
  readonly parseKey: KeyParser;
}

export type AlertReason = 'fired' | 'repeat' | 'severity_changed' | 'resolved' | 'stale';

/** One alert transition, everything an encoder needs. */
export interface AlertRecord {
  readonly reason: AlertReason;
  readonly status: 'firing' | 'resolved';
  readonly series: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly rule: Rule;
  readonly severity: string;
  readonly ts: number;
  readonly value: number;
  readonly mean: number;
  /** The std the score divided by: the window's, raised to the rule's floor. */
  readonly std: number;
  readonly z: number;
  readonly window: number;
  /** When the episode became pending (Prometheus' activeAt); part of the alert id. */
  readonly startsAt: number;
  /** When it started firing (pending → firing). */
  readonly firedAt: number;
  readonly endsAt?: number;
}

/**
 * A flap: an alert that resolved within `flapWindowMs` of starting to fire. Such alerts page
 * someone for nothing; counting them is how thresholds, `for` and `keep_firing_for` get tuned.
 */
export function isFlap(a: AlertRecord, flapWindowMs: number): boolean {
  return a.status === 'resolved' && a.endsAt !== undefined && a.endsAt - a.firedAt < flapWindowMs;
}

/** Counters a caller turns into metrics and summaries. */
export class DetectorCounters {
  samples = 0;
  scored = 0;
  refused = 0;
  rejected = 0;
  badKeys = 0;
  noRule = 0;
  evicted = 0;
  /** transitions[rule * TRANSITION_NAMES.length + transition]. */
  readonly transitions: Float64Array;

  constructor(rules: number) {
    this.transitions = new Float64Array(rules * TRANSITION_NAMES.length);
  }

  transitionCount(rule: number, t: Transition): number {
    return this.transitions[rule * TRANSITION_NAMES.length + t];
  }
}

/** The per-rule numbers the hot path reads, flattened once. */
class RuleParams {
  readonly window: number;
  readonly shortWindow: number;
  readonly minSamples: number;
  readonly shortMinSamples: number;
  readonly direction: number;
  readonly thresholds: Float64Array;
  readonly absFloor: number;
  readonly relFloor: number;
  readonly multiWindow: boolean;
  readonly excludeAnomalies: boolean;
  readonly for: HoldParams;
  readonly keepFiringFor: HoldParams;
  readonly repeatMs: number;
  readonly matches: (name: string, labels: Readonly<Record<string, string>>) => boolean;

  constructor(readonly rule: Rule) {
    this.window = rule.window;
    this.shortWindow = rule.shortWindow;
    this.minSamples = rule.minSamples;
    this.shortMinSamples = Math.min(rule.minSamples, rule.shortWindow);
    this.direction = directionCode(rule.direction);
    this.thresholds = tierThresholds(rule.tiers);
    this.absFloor = rule.stdFloor.absolute;
    this.relFloor = rule.stdFloor.relative;
    this.multiWindow = rule.multiWindow;
    this.excludeAnomalies = rule.baseline === 'exclude_anomalies';
    this.for = holdParams(rule.for);
    this.keepFiringFor = holdParams(rule.keepFiringFor);
    this.repeatMs = rule.repeatMs;
    this.matches = compileMatchers(rule.matchers);
    if (!(this.absFloor > 0)) throw new RangeError(`rule ${rule.name}: std_floor.absolute must be > 0`);
    if (rule.tiers.length === 0) throw new RangeError(`rule ${rule.name}: needs at least one severity tier`);
  }
}

function holdParams(h: Rule['for']): HoldParams {
  return 'samples' in h ? { samples: Math.max(1, h.samples), ms: 0 } : { samples: 0, ms: h.ms };
}

export class Detector {
  readonly store: SeriesStore;
  readonly lifecycle: AlertLifecycle;
  readonly counters: DetectorCounters;
  private readonly params: RuleParams[];
  private readonly parseKey: KeyParser;
  /** Why the last malformed key was refused (for the dead-letter message). */
  lastKeyError = '';
  /** Alerts produced since the last drain. */
  private pending: AlertRecord[] = [];
  private readonly decoder = new TextDecoder();

  constructor(opts: DetectorOptions) {
    if (opts.rules.length > MAX_RULES - 1) throw new RangeError(`at most ${MAX_RULES - 1} rules, got ${opts.rules.length}`);
    this.params = opts.rules.map((r) => new RuleParams(r));
    this.counters = new DetectorCounters(opts.rules.length);
    const stride = Math.max(2, ...opts.rules.map((r) => r.window));
    this.store = new SeriesStore({
      stride,
      maxSeries: opts.maxSeries,
      initialCapacity: opts.initialCapacity,
      withShort: opts.rules.some((r) => r.multiWindow),
    });
    this.lifecycle = new AlertLifecycle(this.store.capacity);
    this.parseKey = opts.parseKey;
  }

  /** Scores one sample of the series whose id is key[start, end). */
  observe(key: Uint8Array, start: number, end: number, ts: number, x: number): Outcome {
    const slot = this.slotOf(key, start, end);
    return slot >= 0 ? this.observeSlot(slot, ts, x) : this.unplaced(slot, 1);
  }

  /**
   * Scores `count` points of one series (a multi-point record): the key is looked up once.
   * Adds each point's outcome to `outcomes` (indexed by Outcome); stops at the first rejected
   * value and returns Outcome.RejectedValue, or returns Outcome.BadKey, else -1.
   */
  observePoints(key: Uint8Array, start: number, end: number, ts: Float64Array, values: Float64Array, count: number, outcomes: Float64Array): number {
    const slot = this.slotOf(key, start, end);
    if (slot < 0) {
      const o = this.unplaced(slot, count);
      outcomes[o] += count;
      return o === Outcome.BadKey ? o : -1;
    }
    for (let i = 0; i < count; i++) {
      const o = this.observeSlot(slot, ts[i], values[i]);
      outcomes[o]++;
      if (o === Outcome.RejectedValue) return o;
    }
    return -1;
  }

  /** The slot of key[start, end), admitting a new series; -1 when refused (store full), -2 for a malformed key. */
  slotOf(key: Uint8Array, start: number, end: number): number {
    const slot = this.store.find(key, start, end);
    return slot >= 0 ? slot : this.admit(key, start, end);
  }

  /** Scores one sample of the series in `slot` (from slotOf). */
  observeSlot(slot: number, ts: number, x: number): Outcome {
    const c = this.counters;
    c.samples++;
    if (!(x === x) || x > MAX_ABS_VALUE || x < -MAX_ABS_VALUE) {
      c.rejected++;
      return Outcome.RejectedValue;
    }
    const store = this.store;
    store.lastSeen[slot] = ts;
    const r = store.rule[slot];
    if (r === NO_RULE) {
      c.noRule++;
      return Outcome.NoRule;
    }
    const p = this.params[r];
    const w = store.windows;
    const n = w.count[slot];
    let tier = -1;
    let outcome: Outcome = Outcome.Learning;
    let z = NaN;
    if (n >= p.minSamples) {
      outcome = Outcome.Scored;
      c.scored++;
      z = zScore(x, w.mean(slot), w.variance(slot), p.absFloor, p.relFloor);
      tier = tierOf(directedMagnitude(z, p.direction), p.thresholds);
      if (tier >= 0 && p.multiWindow) {
        // Confirmed only when the short window agrees: a lone spike against a drifting baseline,
        // or a slow shift the short window has already absorbed, does not breach.
        const zs = w.shortCount(slot) >= p.shortMinSamples
          ? zScore(x, w.shortMean(slot), w.shortVariance(slot), p.absFloor, p.relFloor)
          : 0;
        const ts2 = tierOf(directedMagnitude(zs, p.direction), p.thresholds);
        if (ts2 < tier) tier = ts2;
      }
    }
    const lc = this.lifecycle;
    // The common case, a clear sample of a quiet series, changes no alert state: skip the step.
    if (tier >= 0 || lc.state[slot] !== INACTIVE) {
      lc.lastValue[slot] = x;
      const t = lc.step(slot, tier, ts, p);
      if (t !== Transition.None) {
        c.transitions[r * TRANSITION_NAMES.length + t]++;
        if (t >= Transition.Fired) this.emit(slot, p, t, ts, x, z);
      }
    }
    // With exclude_anomalies a breaching sample stays out of the baseline, so a sustained incident
    // does not become the new normal; after a full window of consecutive breaches the level is
    // taken as genuine and samples enter again, re-learning within another window.
    if (!(p.excludeAnomalies && tier >= 0 && lc.breachRun[slot] <= p.window)) w.push(slot, x);
    return outcome;
  }

  /** Alerts produced since the last call, oldest first. */
  drainAlerts(): AlertRecord[] {
    const out = this.pending;
    if (out.length > 0) this.pending = [];
    return out;
  }

  /** Evicts series not seen for `idleMs` before `now` (sample time, ms); firing alerts resolve as stale. */
  evictIdle(now: number, idleMs: number): number {
    const n = this.store.evictIdle(now - idleMs, (slot) => {
      const r = this.store.rule[slot];
      if (r === NO_RULE) return;
      if (this.lifecycle.state[slot] === FIRING) this.emitStale(slot, this.params[r], now, this.lifecycle.lastValue[slot]);
      this.lifecycle.reset(slot);
    });
    this.counters.evicted += n;
    return n;
  }

  /** Series currently firing. O(slots). */
  firingCount(): number {
    let n = 0;
    this.store.forEach((slot) => {
      if (this.lifecycle.state[slot] === FIRING) n++;
    });
    return n;
  }

  get rules(): readonly Rule[] {
    return this.params.map((p) => p.rule);
  }

  /** Counts `n` samples that found no slot; returns their outcome. */
  private unplaced(code: number, n: number): Outcome {
    const c = this.counters;
    c.samples += n;
    if (code === -1) {
      c.refused += n;
      return Outcome.Refused;
    }
    c.badKeys += n;
    return Outcome.BadKey;
  }

  /** Returns the new slot, -1 when refused (store full), -2 for a malformed key. */
  private admit(key: Uint8Array, start: number, end: number): number {
    let labels: SeriesLabels;
    try {
      labels = this.parseKey(this.decoder.decode(key.subarray(start, end)));
    } catch (e) {
      this.lastKeyError = e instanceof Error ? e.message : String(e);
      return -2;
    }
    let r = NO_RULE;
    for (let i = 0; i < this.params.length; i++) {
      if (this.params[i].matches(labels.name, labels.labels)) {
        r = i;
        break;
      }
    }
    const p = r === NO_RULE ? undefined : this.params[r];
    const slot = this.store.insert(key, start, end, r, p?.window ?? 2, p?.shortWindow ?? 1);
    if (slot < 0) return -1;
    if (this.lifecycle.capacity < this.store.capacity) this.lifecycle.grow(this.store.capacity);
    this.lifecycle.reset(slot);
    return slot;
  }

  private emit(slot: number, p: RuleParams, t: Transition, ts: number, x: number, z: number): void {
    const reason: AlertReason =
      t === Transition.Resolved ? 'resolved' : t === Transition.Repeat ? 'repeat' : t === Transition.SeverityChanged ? 'severity_changed' : 'fired';
    this.record(slot, p, reason, ts, x, Number.isNaN(z) ? 0 : z);
  }

  private emitStale(slot: number, p: RuleParams, ts: number, last: number): void {
    this.counters.transitions[this.store.rule[slot] * TRANSITION_NAMES.length + Transition.Resolved]++;
    this.record(slot, p, 'stale', ts, last, 0);
  }

  /** Queues the alert record of `slot`: the window as it was before `value` (the score's baseline). */
  private record(slot: number, p: RuleParams, reason: AlertReason, ts: number, value: number, z: number): void {
    const w = this.store.windows;
    const lc = this.lifecycle;
    const mean = w.mean(slot);
    const series = this.store.keyString(slot);
    const { name, labels } = this.parseKey(series);
    const resolved = reason === 'resolved' || reason === 'stale';
    this.pending.push({
      reason,
      status: resolved ? 'resolved' : 'firing',
      series,
      name,
      labels,
      rule: p.rule,
      severity: p.rule.tiers[lc.tier[slot]].severity,
      ts,
      value,
      mean,
      std: flooredStd(w.variance(slot), mean, p.absFloor, p.relFloor),
      z,
      window: w.count[slot],
      startsAt: lc.activeAt[slot],
      firedAt: lc.firedAt[slot],
      ...(resolved ? { endsAt: ts } : {}),
    });
  }
}
