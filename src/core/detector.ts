/**
 * The detection core of one partition (or one replay): slot + (ts, value) in, outcome and alert
 * facts out. The engine (`src/engine/`) drives it for every driver: worker, replay, rule tests,
 * benchmarks.
 *
 * A series is found by its key bytes (`find`); a new one is admitted once (`admit`) with its
 * identity, parsed by the engine: the first rule that matches it is remembered per slot. Per
 * sample (`observeSlot`): score the sample against the window before it, step the alert
 * lifecycle, then add the sample to the window. Nothing is allocated per sample; an alert writes
 * its facts into the preallocated `alerts` queue.
 */
import type { Rule } from './rule.js';
import type { SeriesIdentity } from './series-identity.js';
import { SeriesStore, NO_RULE, MAX_RULES } from './store.js';
import { AlertLifecycle, Transition, TRANSITION_NAMES, FIRING, INACTIVE } from './lifecycle.js';
import { zScore, flooredStd, directedMagnitude, tierOf } from './score.js';
import { RuleParams } from './rule-params.js';
import { Outcome } from './outcome.js';
import { AlertQueue, AlertReason } from './alert-queue.js';

/** Beyond this, squares overflow float64: such values are rejected, not silently turned into Infinity. */
export const MAX_ABS_VALUE = 1e150;

/** What find() and admit() return when there is no slot (unknown series; store full). */
export const NO_SLOT = -1;

/** No breach: the tier a clear sample (or an unscored one) has. */
const CLEAR = -1;

export interface DetectorOptions {
  readonly rules: readonly Rule[];
  readonly maxSeries: number;
  readonly initialCapacity?: number;
}

/** The event a transition sends, indexed by Transition (None, Pending and HeldBack send nothing). */
const REASON_OF_TRANSITION: readonly (AlertReason | undefined)[] = [
  undefined,
  undefined,
  undefined,
  AlertReason.Fired,
  AlertReason.Repeat,
  AlertReason.SeverityChanged,
  AlertReason.Resolved,
];

export class Detector {
  readonly store: SeriesStore;
  readonly lifecycle: AlertLifecycle;
  /** Alert facts since the caller last cleared the queue, oldest first. */
  readonly alerts = new AlertQueue();
  /**
   * Lifecycle transitions since the caller last zeroed this array, at
   * [rule × TRANSITION_NAMES.length + transition].
   */
  readonly transitions: Float64Array;
  private readonly params: RuleParams[];
  /** Per slot: who the series is (set at admission, cleared at eviction). */
  private readonly identities: (SeriesIdentity | undefined)[] = [];

  constructor(opts: DetectorOptions) {
    if (opts.rules.length > MAX_RULES - 1) throw new RangeError(`at most ${MAX_RULES - 1} rules, got ${opts.rules.length}`);
    this.params = opts.rules.map((r) => new RuleParams(r));
    this.transitions = new Float64Array(opts.rules.length * TRANSITION_NAMES.length);
    const stride = Math.max(2, ...opts.rules.map((r) => r.window));
    this.store = new SeriesStore({
      stride,
      maxSeries: opts.maxSeries,
      initialCapacity: opts.initialCapacity,
      withShort: opts.rules.some((r) => r.multiWindow),
    });
    this.lifecycle = new AlertLifecycle(this.store.capacity);
  }

  get rules(): readonly Rule[] {
    return this.params.map((params) => params.rule);
  }

  /** The slot of the series whose key is key[start, end), or NO_SLOT when it is not held. */
  find(key: Uint8Array, start: number, end: number): number {
    return this.store.find(key, start, end);
  }

  /**
   * Admits a new series (find() it first) and resolves its rule once. Returns its slot, or
   * NO_SLOT when the store holds max_series series already.
   */
  admit(key: Uint8Array, start: number, end: number, identity: SeriesIdentity): number {
    let r = NO_RULE;
    for (let i = 0; i < this.params.length; i++) {
      if (this.params[i].matches(identity)) {
        r = i;
        break;
      }
    }
    const params = r === NO_RULE ? undefined : this.params[r];
    const slot = this.store.insert(key, start, end, r, params?.window ?? 2, params?.shortWindow ?? 1);
    if (slot === NO_SLOT) return NO_SLOT;
    if (this.lifecycle.capacity < this.store.capacity) this.lifecycle.grow(this.store.capacity);
    this.lifecycle.reset(slot);
    this.identities[slot] = identity;
    return slot;
  }

  /** Who the series in `slot` is. */
  identityOf(slot: number): SeriesIdentity {
    return this.identities[slot]!;
  }

  /** Scores one sample of the series in `slot`. */
  observeSlot(slot: number, ts: number, x: number): Outcome {
    if (!(x === x) || x > MAX_ABS_VALUE || x < -MAX_ABS_VALUE) return Outcome.RejectedValue;
    const store = this.store;
    store.lastSeen[slot] = ts;
    const r = store.rule[slot];
    if (r === NO_RULE) return Outcome.NoRule;
    const rule = this.params[r];
    const w = store.windows;
    let tier = CLEAR;
    let outcome: Outcome = Outcome.Learning;
    let z = NaN;
    if (w.count[slot] >= rule.minSamples) {
      outcome = Outcome.Scored;
      z = zScore(x, w.mean(slot), w.variance(slot), rule.absFloor, rule.relFloor);
      tier = tierOf(directedMagnitude(z, rule.direction), rule.thresholds);
      if (tier !== CLEAR && rule.multiWindow) {
        // Confirmed only when the short window agrees: a lone spike against a drifting baseline,
        // or a slow shift the short window has already absorbed, does not breach.
        const shortZ = w.shortCount(slot) >= rule.shortMinSamples
          ? zScore(x, w.shortMean(slot), w.shortVariance(slot), rule.absFloor, rule.relFloor)
          : 0;
        const shortTier = tierOf(directedMagnitude(shortZ, rule.direction), rule.thresholds);
        if (shortTier < tier) tier = shortTier;
      }
    }
    const lc = this.lifecycle;
    // The common case, a clear sample of a quiet series, changes no alert state: skip the step.
    if (tier !== CLEAR || lc.state[slot] !== INACTIVE) {
      lc.lastValue[slot] = x;
      const t = lc.step(slot, tier, ts, rule);
      if (t !== Transition.None) {
        this.transitions[r * TRANSITION_NAMES.length + t]++;
        const reason = REASON_OF_TRANSITION[t];
        if (reason !== undefined) this.record(slot, r, reason, ts, x, Number.isNaN(z) ? 0 : z);
      }
    }
    // With exclude_anomalies a breaching sample stays out of the baseline, so a sustained incident
    // does not become the new normal; after a full window of consecutive breaches the level is
    // taken as genuine and samples enter again, re-learning within another window.
    if (!(rule.excludeAnomalies && tier !== CLEAR && lc.breachRun[slot] <= rule.window)) w.push(slot, x);
    return outcome;
  }

  /**
   * Evicts series not seen for `idleMs` before `now` (sample time, ms); a firing alert resolves
   * as stale at `now`. Returns how many were evicted. O(slots): call it now and then.
   */
  evictIdle(now: number, idleMs: number): number {
    return this.store.evictIdle(now - idleMs, (slot) => {
      const r = this.store.rule[slot];
      if (r !== NO_RULE && this.lifecycle.state[slot] === FIRING) {
        this.transitions[r * TRANSITION_NAMES.length + Transition.Resolved]++;
        this.record(slot, r, AlertReason.Stale, now, this.lifecycle.lastValue[slot], 0);
      }
      this.lifecycle.reset(slot);
      this.identities[slot] = undefined;
    });
  }

  /** Series currently firing. O(slots). */
  firingCount(): number {
    let n = 0;
    this.store.forEach((slot) => {
      if (this.lifecycle.state[slot] === FIRING) n++;
    });
    return n;
  }

  /** Queues the facts of an alert event of `slot`: the window as it was before `value` (the score's baseline). */
  private record(slot: number, rule: number, reason: AlertReason, ts: number, value: number, z: number): void {
    const params = this.params[rule];
    const w = this.store.windows;
    const lc = this.lifecycle;
    const q = this.alerts;
    const i = q.push(this.identities[slot]!, rule, reason);
    const mean = w.mean(slot);
    q.tier[i] = lc.tier[slot];
    q.ts[i] = ts;
    q.value[i] = value;
    q.mean[i] = mean;
    q.std[i] = flooredStd(w.variance(slot), mean, params.absFloor, params.relFloor);
    q.z[i] = z;
    q.window[i] = w.count[slot];
    q.startsAt[i] = lc.activeAt[slot];
    q.firedAt[i] = lc.firedAt[slot];
  }
}
