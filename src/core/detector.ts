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
 *
 * SLO rules (`kind: slo`, core/slo.ts) stand outside the first-match order: a sample of a series
 * their selectors pick also goes, as a counter increase, to its group's windows, whichever anomaly
 * rule (if any) scores it; their groups are evaluated by flushSlo() at the end of a batch.
 */
import type { Rule } from './rule.js';
import type { SeriesBudget } from './series-budget.js';
import type { SeriesIdentity } from './series-identity.js';
import { SeriesStore, NO_RULE, MAX_RULES } from './store.js';
import { AlertLifecycle, Transition, TRANSITION_NAMES, FIRING, INACTIVE } from './lifecycle.js';
import { zScore, flooredStd, directedMagnitude, tierOf } from './score.js';
import { RuleParams, usesRing } from './rule-params.js';
import { LongMemory } from './long-memory.js';
import { AnomalyLikelihood } from './likelihood.js';
import { SeasonalProfiles } from './seasonal.js';
import { Outcome } from './outcome.js';
import { AlertQueue, AlertReason, BaselineKind, Trigger } from './alert-queue.js';
import type { Snapshot, SnapshotReader } from './snapshot.js';
import { SloRules, type SeriesIdFormatter } from './slo.js';

/** Beyond this, squares overflow float64: such values are rejected, not silently turned into Infinity. */
export const MAX_ABS_VALUE = 1e150;

/** What find() and admit() return when there is no slot (unknown series; store full). */
export const NO_SLOT = -1;

/** The daily profile plays no part (off, or not learnt yet). */
const SEASON_NONE = 0;
/** The profile explains the series: it is the baseline. */
const SEASON_BASELINE = 1;
/** The profile does not explain the series as a whole but knows this time of day: a breach must also be one against it (a spike that recurs daily at this hour is normal). */
const SEASON_CONFIRMS = 2;
/** A time-of-day bucket confirms only after this many values (with its spread learnt). */
const CONFIRMING_BUCKET_VALUES = 5;

/** No breach: the tier a clear sample (or an unscored one) has. */
const CLEAR = -1;

/**
 * Ring samples a rule's series keep: its window when it scores against the window or confirms
 * with the short window; else 2, the least a ring holds (a long-memory rule needs no ring).
 */
function ringLength(rule: Rule): number {
  return usesRing(rule) ? rule.window : 2;
}

export interface DetectorOptions {
  readonly rules: readonly Rule[];
  readonly maxSeries: number;
  readonly initialCapacity?: number;
  /** A bound on live series shared with other detectors (the worker's store.max_series). */
  readonly seriesBudget?: SeriesBudget;
  /** Formats the series id of an SLO rule's group (codec/series-id.ts formatSeriesId); required with SLO rules. */
  readonly formatSeriesId?: SeriesIdFormatter;
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
  undefined, // Rearmed: a resolution and a firing, sent by observeSlot
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
  /** Exponentially weighted statistics, kept only when a rule uses `memory`. */
  readonly longMemory: LongMemory | null;
  /** Anomaly likelihood state, kept only when a rule uses it. */
  readonly likelihood: AnomalyLikelihood | null;
  /** Daily profiles, kept only when a rule uses seasonality (one bucket count for the store). */
  readonly seasonal: SeasonalProfiles | null;
  /** SLO rules' groups and the series bound to them, kept only when a rule is `kind: slo`. */
  readonly slo: SloRules | null;
  private readonly params: RuleParams[];
  /**
   * The baseline a sample is scored against, [samples, mean, variance, season]: filled by
   * baseline(). season is one of the SEASON_* roles the daily profile plays for this sample.
   */
  private readonly base = new Float64Array(4);
  /** The daily profile's [expected, variance] at a sample's time: filled by baseline(). */
  private readonly profile = new Float64Array(2);
  /** The daily-profile bucket of the sample being observed (set by baseline() when the rule has seasonality). */
  private bucket = 0;
  /** Which score made the sample being observed breach (for its alert's facts). */
  private trigger: Trigger = Trigger.None;
  /** Per slot: who the series is (set at admission, cleared at eviction). */
  private readonly identities: (SeriesIdentity | undefined)[] = [];
  /**
   * After a restore: derives the identity of a restored series from its key, on first need (an
   * alert). Parsing every key up front would double the restore's time; most series never alert.
   */
  private identify: ((key: Uint8Array) => SeriesIdentity) | null = null;

  /**
   * The baseline the last observed sample was scored against, [samples, mean, variance, season
   * role], as scored (after the sample the statistics have moved on, so recomputing would give the
   * next one). A view of the scratch array: valid until the next sample; read, never written.
   */
  get lastBaseline(): Readonly<Float64Array> {
    return this.base;
  }

  constructor(opts: DetectorOptions) {
    if (opts.rules.length > MAX_RULES - 1) throw new RangeError(`at most ${MAX_RULES - 1} rules, got ${opts.rules.length}`);
    this.params = opts.rules.map((r) => new RuleParams(r));
    this.transitions = new Float64Array(opts.rules.length * TRANSITION_NAMES.length);
    // SLO rules keep their own state (core/slo.ts): the per-series slabs are sized by the anomaly rules.
    const anomaly = opts.rules.filter((r) => r.slo === undefined);
    const stride = Math.max(2, ...anomaly.map(ringLength));
    this.store = new SeriesStore({
      stride,
      maxSeries: opts.maxSeries,
      initialCapacity: opts.initialCapacity,
      budget: opts.seriesBudget,
      withShort: anomaly.some((r) => r.multiWindow),
    });
    this.lifecycle = new AlertLifecycle(this.store.capacity);
    this.longMemory = anomaly.some((r) => r.memory > 0) ? new LongMemory(this.store.capacity) : null;
    this.likelihood = anomaly.some((r) => r.likelihood !== null) ? new AnomalyLikelihood(this.store.capacity) : null;
    if (SloRules.wanted(opts.rules) && opts.formatSeriesId === undefined) throw new Error('SLO rules need formatSeriesId');
    this.slo = SloRules.wanted(opts.rules)
      ? new SloRules(opts.rules, this.params, this.store.capacity, this.alerts, this.transitions, opts.formatSeriesId!)
      : null;
    const buckets = Math.max(0, ...anomaly.map((r) => r.seasonality?.buckets ?? 0));
    this.seasonal = buckets > 0 ? new SeasonalProfiles(this.store.capacity, buckets) : null;
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
      // SLO rules stand outside the first-match order: they count the series whatever scores it.
      if (this.params[i].rule.slo === undefined && this.params[i].matches(identity)) {
        r = i;
        break;
      }
    }
    const params = r === NO_RULE ? undefined : this.params[r];
    const ring = params === undefined ? 2 : ringLength(params.rule);
    const slot = this.store.insert(key, start, end, r, ring, Math.min(params?.shortWindow ?? 1, ring - 1));
    if (slot === NO_SLOT) return NO_SLOT;
    if (this.lifecycle.capacity < this.store.capacity) {
      this.lifecycle.grow(this.store.capacity);
      this.longMemory?.grow(this.store.capacity);
      this.likelihood?.grow(this.store.capacity);
      this.seasonal?.grow(this.store.capacity);
      this.slo?.growSlots(this.store.capacity);
    }
    this.lifecycle.reset(slot);
    this.longMemory?.reset(slot);
    this.likelihood?.reset(slot);
    this.seasonal?.reset(slot);
    this.identities[slot] = identity;
    return slot;
  }

  /** identityOf, bound once (SLO rules ask for it when they first see a series). */
  private readonly identityOfSlot = (slot: number): SeriesIdentity => this.identityOf(slot);

  /**
   * Evaluates the SLO groups that received samples since their last evaluation (the engine calls
   * it at the end of every batch; their alerts join the queue).
   */
  flushSlo(): void {
    this.slo?.flush();
  }

  /** Who the series in `slot` is. */
  identityOf(slot: number): SeriesIdentity {
    return (this.identities[slot] ??= this.identify!(this.store.keys.keyOf(slot)));
  }

  /** Scores one sample of the series in `slot`. */
  observeSlot(slot: number, ts: number, x: number): Outcome {
    if (!(x === x) || x > MAX_ABS_VALUE || x < -MAX_ABS_VALUE) return Outcome.RejectedValue;
    const store = this.store;
    const sinceLast = ts - store.lastSeen[slot];
    store.lastSeen[slot] = ts;
    const r = store.rule[slot];
    const counted = this.slo !== null && this.slo.observe(slot, ts, x, this.identityOfSlot);
    if (r === NO_RULE) return counted ? Outcome.Slo : Outcome.NoRule;
    const rule = this.params[r];
    const w = store.windows;
    const base = this.baseline(slot, rule, ts);
    let tier = CLEAR;
    let outcome: Outcome = Outcome.Learning;
    let z = NaN;
    if (base[0] >= rule.minSamples) {
      outcome = Outcome.Scored;
      z = zScore(x, base[1], base[2], rule.absFloor, rule.relFloor);
      const magnitude = directedMagnitude(z, rule.direction);
      tier = tierOf(magnitude, rule.thresholds);
      if (tier !== CLEAR) tier = this.confirmed(slot, rule, base, x, tier);
      this.trigger = tier === CLEAR ? Trigger.None : Trigger.Z;
      // The likelihood learns from every scored sample, and fires on its own (its distribution
      // already knows what this series' normal runs of |z| look like).
      if (rule.likelihood !== null && this.likelihood!.step(slot, magnitude, rule.likelihood) && tier === CLEAR) {
        tier = 0;
        this.trigger = Trigger.Likelihood;
      }
    }
    const lc = this.lifecycle;
    // The common case, a clear sample of a quiet series, changes no alert state: skip the step.
    if (tier !== CLEAR || lc.state[slot] !== INACTIVE) {
      lc.lastValue[slot] = x;
      const magnitude = tier === CLEAR ? 0 : directedMagnitude(z, rule.direction);
      const t = lc.step(slot, tier, ts, rule, magnitude);
      if (t !== Transition.None) {
        const counts = this.transitions;
        const at = r * TRANSITION_NAMES.length;
        counts[at + t]++;
        const reason = REASON_OF_TRANSITION[t];
        const zOrZero = Number.isNaN(z) ? 0 : z;
        if (reason !== undefined) {
          this.record(slot, r, reason, ts, x, zOrZero);
        } else if (t === Transition.Rearmed) {
          // The held episode ends here and a new one pages: two events, counted as such.
          counts[at + Transition.Resolved]++;
          counts[at + Transition.Fired]++;
          this.record(slot, r, AlertReason.Resolved, ts, x, zOrZero);
          lc.refire(slot, tier, ts, magnitude);
          this.record(slot, r, AlertReason.Fired, ts, x, zOrZero);
        }
      }
    }
    // With exclude_anomalies a breaching sample stays out of the baseline, so a sustained incident
    // does not become the new normal; after a full window of consecutive breaches the level is
    // taken as genuine and samples enter again, re-learning within another window.
    if (!(rule.excludeAnomalies && tier !== CLEAR && lc.breachRun[slot] <= rule.window)) {
      if (rule.usesRing) w.push(slot, x);
      if (rule.memory > 0) this.longMemory!.push(slot, x, rule.memory);
      if (rule.seasonality !== null) this.seasonal!.push(slot, this.bucket, ts, sinceLast, x, rule.seasonality);
    }
    return outcome;
  }

  /**
   * The daily profile's part in the baseline of a sample at `ts` (kept apart so that baseline()
   * stays small enough to be inlined on the hot path): it replaces the plain statistics where it
   * explains the series, or stands ready to confirm a breach.
   */
  private applySeason(slot: number, rule: RuleParams, ts: number, base: Float64Array): void {
    const season = rule.seasonality!;
    const sp = this.seasonal!;
    const profile = this.profile;
    const bucket = (this.bucket = sp.bucketOf(slot, ts));
    if (!(sp.covers(slot, ts) && sp.residual.count(slot) >= rule.minSamples && sp.expected(bucket, profile))) return;
    if (sp.residual.variance(slot) < season.explains * base[2]) {
      base[1] = profile[0];
      base[2] = profile[1];
      base[3] = SEASON_BASELINE;
    } else if (sp.valuesAt(bucket) >= CONFIRMING_BUCKET_VALUES) {
      base[3] = SEASON_CONFIRMS;
    }
  }

  /**
   * A z breach's tier after the confirmations the rule asks for: the lowest of the tiers against
   * the baseline, the short window (multi_window) and the sample's time of day (seasonality that
   * knows this hour but does not explain the whole series).
   */
  private confirmed(slot: number, rule: RuleParams, base: Float64Array, x: number, tier: number): number {
    if (tier !== CLEAR && rule.multiWindow) {
      // A lone spike against a drifting baseline, or a slow shift the short window has already
      // absorbed, does not breach.
      const w = this.store.windows;
      const shortZ =
        w.shortCount(slot) >= rule.shortMinSamples ? zScore(x, w.shortMean(slot), w.shortVariance(slot), rule.absFloor, rule.relFloor) : 0;
      const shortTier = tierOf(directedMagnitude(shortZ, rule.direction), rule.thresholds);
      if (shortTier < tier) tier = shortTier;
    }
    if (tier !== CLEAR && base[3] === SEASON_CONFIRMS) {
      const profile = this.profile;
      const seasonalTier = tierOf(
        directedMagnitude(zScore(x, profile[0], profile[1], rule.absFloor, rule.relFloor), rule.direction),
        rule.thresholds,
      );
      if (seasonalTier < tier) tier = seasonalTier;
    }
    return tier;
  }

  /**
   * The statistics a sample of `slot` is scored against, as [samples, mean, variance] in a
   * scratch array (valid until the next call): the long memory when the rule has one, else the
   * rolling window; then, with seasonality, the daily profile at `ts` plus the residual's
   * statistics where they explain the series better.
   */
  private baseline(slot: number, rule: RuleParams, ts: number): Float64Array {
    const base = this.base;
    if (rule.memory > 0) {
      const lm = this.longMemory!;
      base[0] = lm.count(slot);
      base[1] = lm.mean(slot);
      base[2] = lm.variance(slot);
    } else {
      const w = this.store.windows;
      base[0] = w.count[slot];
      base[1] = w.mean(slot);
      base[2] = w.variance(slot);
    }
    base[3] = SEASON_NONE;
    if (rule.seasonality !== null) this.applySeason(slot, rule, ts, base);
    return base;
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
        this.trigger = Trigger.None;
        this.record(slot, r, AlertReason.Stale, now, this.lifecycle.lastValue[slot], 0);
      }
      this.lifecycle.reset(slot);
      this.slo?.release(slot, now);
      this.identities[slot] = undefined;
    });
  }

  /**
   * Adds everything detection depends on to `s`: the store (slabs and keys), the lifecycle, and
   * the long memory, likelihood and daily profiles the rules keep. Call it between batches: alert
   * facts not yet taken from the queue would be lost.
   */
  writeSnapshot(s: Snapshot): void {
    if (this.alerts.count !== 0) throw new Error('a detector snapshot is taken between batches (the alert queue holds facts)');
    const slots = this.store.slotsUsed;
    this.store.writeSnapshot(s, 'store.');
    this.lifecycle.writeSnapshot(s, 'lifecycle.', slots);
    this.longMemory?.writeSnapshot(s, 'longMemory.', slots);
    this.likelihood?.writeSnapshot(s, 'likelihood.', slots);
    this.seasonal?.writeSnapshot(s, 'seasonal.', slots);
    this.slo?.writeSnapshot(s, 'slo.', slots);
  }

  /**
   * Loads what writeSnapshot wrote into this detector, which must be new and built from the same
   * rules. Series identities are not in a snapshot: `identify` derives each from its key bytes
   * when first needed (the core does not parse text).
   */
  readSnapshot(r: SnapshotReader, identify: (key: Uint8Array) => SeriesIdentity): void {
    const store = this.store;
    store.readSnapshot(r, 'store.');
    if (this.lifecycle.capacity < store.capacity) {
      this.lifecycle.grow(store.capacity);
      this.longMemory?.grow(store.capacity);
      this.likelihood?.grow(store.capacity);
      this.seasonal?.grow(store.capacity);
      this.slo?.growSlots(store.capacity);
    }
    const slots = store.slotsUsed;
    this.lifecycle.readSnapshot(r, 'lifecycle.', slots);
    this.longMemory?.readSnapshot(r, 'longMemory.');
    this.likelihood?.readSnapshot(r, 'likelihood.');
    this.seasonal?.readSnapshot(r, 'seasonal.');
    this.identify = identify;
    const utf8 = new TextEncoder();
    this.slo?.readSnapshot(
      r,
      'slo.',
      slots,
      (slot) => this.identityOf(slot),
      (series) => identify(utf8.encode(series)),
    );
  }

  /** Series (and SLO groups) currently firing. O(slots + groups). */
  firingCount(): number {
    let n = this.slo?.firingCount() ?? 0;
    this.store.forEach((slot) => {
      if (this.lifecycle.state[slot] === FIRING) n++;
    });
    return n;
  }

  /** Queues the facts of an alert event of `slot`: the window as it was before `value` (the score's baseline). */
  private record(slot: number, rule: number, reason: AlertReason, ts: number, value: number, z: number): void {
    const params = this.params[rule];
    const base = this.baseline(slot, params, ts);
    const lc = this.lifecycle;
    const q = this.alerts;
    const i = q.push(this.identityOf(slot), rule, reason);
    const mean = base[1];
    q.tier[i] = lc.tier[slot];
    q.ts[i] = ts;
    q.value[i] = value;
    q.mean[i] = mean;
    q.std[i] = flooredStd(base[2], mean, params.absFloor, params.relFloor);
    q.z[i] = z;
    q.window[i] = base[0];
    q.baseline[i] = base[3] === SEASON_BASELINE ? BaselineKind.Daily : params.memory > 0 ? BaselineKind.Memory : BaselineKind.Window;
    q.trigger[i] = this.trigger;
    q.threshold[i] = params.thresholds[0];
    q.startsAt[i] = lc.activeAt[slot];
    q.firedAt[i] = lc.firedAt[slot];
  }
}
