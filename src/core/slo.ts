/**
 * SLO burn-rate rules (`kind: slo`), evaluated in the stream: the multi-window, multi-burn-rate
 * alert of the SRE workbook. Counter samples of the series an SLO rule selects (its `errors` or
 * `good` selector, and `total`) become per-step increases of the rule's groups (series joined by
 * their `group_by` labels, as `sum by (…)` joins them); per group, core/slo-windows.ts keeps the
 * bad and total counts over every window in O(1) per sample. A group breaches window pair p when
 * the error ratio over both its long and its short window exceeds burn_p × (1 − objective); its
 * tier is the highest such pair, and the standard alert lifecycle (core/lifecycle.ts: for,
 * keep_firing_for, repeat, escalate) runs per group.
 *
 * Counters: the increase of a sample is its value minus the series' previous value, or, when the
 * value went down, the value itself (the counter restarted from 0), as Prometheus's rate() takes
 * it. A series' first sample only sets its previous value; a sample older than the series' last
 * one is ignored (Prometheus rejects out-of-order samples).
 *
 * When a group is evaluated: when its first sample of a later step arrives (the step before is
 * then complete), and at the end of every batch (flush(): the partial step, as Prometheus
 * evaluates over what has been scraped). Only groups that received samples since their last
 * evaluation are evaluated, so a batch that ends between a group's error and total samples is
 * corrected by the next evaluation, and a catch-up batch spanning hours is evaluated step by step.
 *
 * Bindings: a series is bound to the SLO rules it feeds on its first sample, one binding per
 * (series, rule) in typed slabs, chained per store slot. A group lives while series are bound to
 * it; when its last series is evicted, a firing alert of the group resolves as stale.
 *
 * Checkpoints hold every group (its id, windows, sample time and alert state) and each series'
 * last counter values; a restore binds the series again from their identities (parsing every key
 * of the partition once, which only a configuration with SLO rules pays) and gives them back
 * their last values, so the windows continue as if nothing had moved.
 */
import type { Rule, SloSpec } from './rule.js';
import type { RuleParams } from './rule-params.js';
import type { SeriesIdentity } from './series-identity.js';
import { compileMatchers, type SeriesPredicate } from './matcher.js';
import { SloWindows } from './slo-windows.js';
import { AlertLifecycle, FIRING, INACTIVE, Transition, TRANSITION_NAMES } from './lifecycle.js';
import { AlertQueue, AlertReason, BaselineKind, Trigger } from './alert-queue.js';
import { grow } from './slab.js';
import type { Snapshot, SnapshotReader } from './snapshot.js';

/** A binding's role in its rule: the series counts bad (or good) events, all events, or both. */
const ROLE_BAD = 1;
const ROLE_TOTAL = 2;

/** Per store slot, before the series' first sample: not yet matched against the SLO rules. */
const UNBOUND = 0;
/** Matched: it feeds no SLO rule. (≥ 1: the first binding of the slot's chain.) */
const NO_BINDING = -1;

/** No breach. */
const CLEAR = -1;

/** The canonical series id of a metric name and labels (codec/series-id.ts formatSeriesId; the core does not format text). */
export type SeriesIdFormatter = (name: string, labels: Readonly<Record<string, string>>) => string;

/** The metric name a group's alerts carry: the rule's name with what a metric name cannot hold as `_`. */
export function groupMetricName(ruleName: string): string {
  const name = ruleName.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** One SLO rule's groups: their windows, alert lifecycle and identities, indexed by group slot. */
class SloRule {
  readonly bad: SeriesPredicate;
  readonly total: SeriesPredicate;
  /** `good` instead of `errors`: bad = total − good. */
  readonly good: boolean;
  readonly stepMs: number;
  /** 1 − objective. */
  readonly budget: number;
  /** Per pair (ascending burn): the error-ratio threshold, burn × budget, and its window indexes. */
  readonly thresholds: Float64Array;
  readonly burns: Float64Array;
  readonly longK: Int32Array;
  readonly shortK: Int32Array;
  readonly windows: SloWindows;
  readonly lifecycle: AlertLifecycle;
  readonly metricName: string;
  readonly groupBy: readonly string[] | null;
  /** Group key (its series id) → group slot. Touched when a series is bound or released, never per sample. */
  readonly groups = new Map<string, number>();
  readonly identities: (SeriesIdentity | undefined)[] = [];
  /** Free group slots (a released group's), reused first. */
  readonly free: number[] = [];
  used = 0;
  capacity: number;
  /** Per group: series bound to it, its latest sample time, whether it has samples not yet evaluated. */
  refs: Uint32Array;
  lastTs: Float64Array;
  dirty: Uint8Array;
  /** Groups with dirty set, in the order they got it. */
  dirtyList: Int32Array;
  dirtyCount = 0;

  constructor(
    readonly index: number,
    readonly params: RuleParams,
    readonly spec: SloSpec,
    capacity: number,
  ) {
    this.bad = compileMatchers(spec.errors ?? spec.good!);
    this.total = compileMatchers(spec.total);
    this.good = spec.errors === null;
    this.stepMs = spec.stepMs;
    this.budget = 1 - spec.objective;
    const lengths: number[] = [];
    const windowOf = (ms: number): number => {
      const n = Math.round(ms / spec.stepMs);
      const k = lengths.indexOf(n);
      return k >= 0 ? k : lengths.push(n) - 1;
    };
    this.thresholds = Float64Array.from(spec.windows, (w) => w.burn * this.budget);
    this.burns = Float64Array.from(spec.windows, (w) => w.burn);
    this.longK = Int32Array.from(spec.windows, (w) => windowOf(w.longMs));
    this.shortK = Int32Array.from(spec.windows, (w) => windowOf(w.shortMs));
    this.windows = new SloWindows(lengths, capacity);
    this.lifecycle = new AlertLifecycle(capacity);
    this.metricName = groupMetricName(params.rule.name);
    this.groupBy = spec.groupBy;
    this.capacity = capacity;
    this.refs = new Uint32Array(capacity);
    this.lastTs = new Float64Array(capacity);
    this.dirty = new Uint8Array(capacity);
    this.dirtyList = new Int32Array(capacity);
  }

  /** The group of a series' labels, created when new (with its id formatted once). */
  groupOf(labels: Readonly<Record<string, string>>, formatId: SeriesIdFormatter): number {
    const keyLabels: Record<string, string> = {};
    for (const label of this.groupBy ?? Object.keys(labels)) {
      const value = labels[label];
      // A missing label and an empty one are the same group, as in `sum by`.
      if (value !== undefined && value !== '') keyLabels[label] = value;
    }
    const series = formatId(this.metricName, keyLabels);
    let g = this.groups.get(series);
    if (g !== undefined) return g;
    g = this.free.pop() ?? this.used++;
    if (g >= this.capacity) this.grow(this.capacity * 2);
    this.groups.set(series, g);
    this.identities[g] = { series, name: this.metricName, labels: keyLabels };
    this.refs[g] = 0;
    this.dirty[g] = 0;
    this.lastTs[g] = -Infinity;
    this.windows.reset(g);
    this.lifecycle.reset(g);
    return g;
  }

  /** Error ratio over window k of group g: bad / total, 0 while nothing was counted. */
  ratio(g: number, k: number): number {
    const w = this.windows;
    const total = w.total(g, k);
    if (!(total > 0)) return 0;
    const bad = this.good ? total - w.bad(g, k) : w.bad(g, k);
    return bad > 0 ? bad / total : 0;
  }

  /** The highest pair whose long and short error ratios both exceed its threshold, or CLEAR. */
  tierOf(g: number): number {
    const t = this.thresholds;
    for (let p = t.length - 1; p >= 0; p--) {
      if (this.ratio(g, this.longK[p]) > t[p] && this.ratio(g, this.shortK[p]) > t[p]) return p;
    }
    return CLEAR;
  }

  markDirty(g: number): void {
    if (this.dirty[g] !== 0) return;
    this.dirty[g] = 1;
    this.dirtyList[this.dirtyCount++] = g;
  }

  grow(capacity: number): void {
    this.windows.grow(capacity);
    this.lifecycle.grow(capacity);
    this.refs = grow(this.refs, capacity);
    this.lastTs = grow(this.lastTs, capacity);
    this.dirty = grow(this.dirty, capacity);
    this.dirtyList = grow(this.dirtyList, capacity);
    this.capacity = capacity;
  }
}

export class SloRules {
  private readonly rules: SloRule[];
  /** Per store slot: UNBOUND, NO_BINDING, or its first binding. */
  private head: Int32Array;
  /** Bindings (index 0 unused, so that 0 can mean UNBOUND): which rule, group and role; the series' last counter value; the next binding of the slot. */
  private bRule: Uint8Array;
  private bGroup: Int32Array;
  private bRole: Uint8Array;
  private bLast: Float64Array;
  /** The time of that value: a sample older than it is out of order and ignored. */
  private bTs: Float64Array;
  private bNext: Int32Array;
  private bUsed = 1;
  private readonly bFree: number[] = [];

  /**
   * `rules` and `params` are the detector's (SLO rules among them, found by their `slo`); alerts
   * and transition counts go into the detector's queue and array, under the rule's index.
   */
  constructor(
    rules: readonly Rule[],
    params: readonly RuleParams[],
    slots: number,
    private readonly alerts: AlertQueue,
    private readonly transitions: Float64Array,
    private readonly formatId: SeriesIdFormatter,
  ) {
    this.rules = [];
    rules.forEach((r, i) => {
      if (r.slo !== undefined) this.rules.push(new SloRule(i, params[i]!, r.slo, 16));
    });
    this.head = new Int32Array(slots);
    const n = 64;
    this.bRule = new Uint8Array(n);
    this.bGroup = new Int32Array(n);
    this.bRole = new Uint8Array(n);
    this.bLast = new Float64Array(n);
    this.bTs = new Float64Array(n);
    this.bNext = new Int32Array(n);
  }

  /** Whether any rule is an SLO rule. */
  static wanted(rules: readonly Rule[]): boolean {
    return rules.some((r) => r.slo !== undefined);
  }

  growSlots(capacity: number): void {
    this.head = grow(this.head, capacity);
  }

  /**
   * One sample of the series in `slot` (its identity from `identify`, asked once per binding):
   * its increase goes to the groups of the SLO rules it feeds. Returns whether it feeds any.
   */
  observe(slot: number, ts: number, x: number, identify: (slot: number) => SeriesIdentity): boolean {
    let b = this.head[slot];
    if (b === UNBOUND) b = this.bind(slot, identify(slot));
    if (b === NO_BINDING) return false;
    for (; b !== 0; b = this.bNext[b]) {
      // Out of order (older than the series' last sample): Prometheus rejects such a sample; here
      // it would read as a counter restart and count its whole value.
      if (ts < this.bTs[b]) continue;
      const last = this.bLast[b];
      this.bLast[b] = x;
      this.bTs[b] = ts;
      const rule = this.rules[this.bRule[b]];
      const g = this.bGroup[b];
      const bucket = Math.floor(ts / rule.stepMs);
      // A later step: the group's previous one is complete, evaluate it before it moves on.
      if (bucket > rule.windows.head[g] && rule.dirty[g] !== 0) this.evaluate(rule, g, rule.lastTs[g]);
      if (ts > rule.lastTs[g]) rule.lastTs[g] = ts;
      if (last === last) {
        // A counter that went down restarted from 0: its increase is its value.
        const increase = x >= last ? x - last : x > 0 ? x : 0;
        const role = this.bRole[b];
        rule.windows.add(g, bucket, role & ROLE_BAD ? increase : 0, role & ROLE_TOTAL ? increase : 0);
      } else if (bucket > rule.windows.head[g]) {
        rule.windows.advance(g, bucket);
      }
      rule.markDirty(g);
    }
    return true;
  }

  /** Evaluates every group with samples since its last evaluation, at its latest sample time (end of a batch). */
  flush(): void {
    for (const rule of this.rules) {
      const list = rule.dirtyList;
      for (let i = 0; i < rule.dirtyCount; i++) {
        const g = list[i];
        if (rule.dirty[g] !== 0) this.evaluate(rule, g, rule.lastTs[g]);
      }
      rule.dirtyCount = 0;
    }
  }

  /**
   * The series in `slot` is evicted at `now`: its bindings go; a group left without series goes
   * too, and its firing alert resolves as stale.
   */
  release(slot: number, now: number): void {
    let b = this.head[slot];
    this.head[slot] = UNBOUND;
    for (; b > 0; ) {
      const next = this.bNext[b];
      const rule = this.rules[this.bRule[b]];
      const g = this.bGroup[b];
      if (--rule.refs[g] === 0) this.dropGroup(rule, g, now);
      this.bFree.push(b);
      b = next;
    }
  }

  /** Firing groups of all SLO rules. O(groups). */
  firingCount(): number {
    let n = 0;
    for (const rule of this.rules) for (let g = 0; g < rule.used; g++) if (rule.lifecycle.state[g] === FIRING) n++;
    return n;
  }

  /**
   * Adds the SLO state to `s` under `prefix` (between batches): per rule, its group ids (in the
   * meta), windows, latest sample times and alert lifecycles; per series slot below `slots`, the
   * last counter value of each of its bindings, in chain order.
   */
  writeSnapshot(s: Snapshot, prefix: string, slots: number): void {
    this.rules.forEach((rule, i) => {
      const p = `${prefix}${i}.`;
      const used = rule.used;
      const w = rule.windows;
      const K = w.lengths.length;
      s.setMeta(
        `${p}groups`,
        Array.from({ length: used }, (_, g) => rule.identities[g]?.series ?? null),
      );
      s.add(`${p}head`, w.head.subarray(0, used));
      s.add(`${p}headSlot`, w.headSlot.subarray(0, used));
      s.add(`${p}ring`, w.ring.subarray(0, used * w.ringLength * 2));
      s.add(`${p}sums`, w.sums.subarray(0, used * K * 2));
      s.add(`${p}counted`, w.counted.subarray(0, used * K));
      s.add(`${p}lastTs`, rule.lastTs.subarray(0, used));
      rule.lifecycle.writeSnapshot(s, `${p}lifecycle.`, used);
    });
    const counts = new Uint8Array(slots);
    let n = 0;
    for (let slot = 0; slot < slots; slot++) for (let b = this.head[slot]; b > 0; b = this.bNext[b]) n++;
    const last = new Float64Array(n);
    n = 0;
    for (let slot = 0; slot < slots; slot++) {
      for (let b = this.head[slot]; b > 0; b = this.bNext[b]) {
        counts[slot]++;
        last[n++] = this.bLast[b];
      }
    }
    s.add(`${prefix}bindings`, counts);
    s.add(`${prefix}last`, last);
  }

  /**
   * Loads what writeSnapshot wrote into this (new) state, built from the same rules, then binds
   * again every series that had bindings (`identityOf` its identity, `groupIdentity` a group's
   * from its id) and gives each binding its last counter value back.
   */
  readSnapshot(
    r: SnapshotReader,
    prefix: string,
    slots: number,
    identityOf: (slot: number) => SeriesIdentity,
    groupIdentity: (series: string) => SeriesIdentity,
  ): void {
    this.rules.forEach((rule, i) => {
      const p = `${prefix}${i}.`;
      const groups = r.metaOf(`${p}groups`);
      if (!Array.isArray(groups)) throw new Error(`snapshot has no groups for SLO rule ${i}`);
      const used = groups.length;
      while (rule.capacity < used) rule.grow(rule.capacity * 2);
      const w = rule.windows;
      w.head.set(r.f64(`${p}head`));
      w.headSlot.set(r.i32(`${p}headSlot`));
      w.ring.set(r.f64(`${p}ring`));
      w.sums.set(r.f64(`${p}sums`));
      w.counted.set(r.i32(`${p}counted`));
      rule.lastTs.set(r.f64(`${p}lastTs`));
      rule.lifecycle.readSnapshot(r, `${p}lifecycle.`, used);
      rule.used = used;
      groups.forEach((series: unknown, g) => {
        if (typeof series === 'string') {
          rule.groups.set(series, g);
          rule.identities[g] = groupIdentity(series);
        } else {
          rule.free.push(g);
        }
      });
    });
    const counts = r.u8(`${prefix}bindings`);
    const last = r.f64(`${prefix}last`);
    if (counts.length !== slots) throw new Error(`snapshot's SLO bindings cover ${counts.length} slots, expected ${slots}`);
    let n = 0;
    for (let slot = 0; slot < slots; slot++) {
      if (counts[slot] === 0) continue;
      let k = 0;
      for (let b = this.bind(slot, identityOf(slot)); b > 0; b = this.bNext[b], k++) this.bLast[b] = last[n + k];
      if (k !== counts[slot]) throw new Error(`snapshot's SLO bindings of slot ${slot} do not match the rules`);
      n += k;
    }
    // A group no series came back to (not in a consistent snapshot) would never be released: free it.
    for (const rule of this.rules) {
      for (let g = 0; g < rule.used; g++) {
        const id = rule.identities[g];
        if (id === undefined || rule.refs[g] !== 0) continue;
        rule.lifecycle.reset(g);
        rule.groups.delete(id.series);
        rule.identities[g] = undefined;
        rule.free.push(g);
      }
    }
  }

  /** Matches the series against every SLO rule and chains a binding per rule it feeds. */
  private bind(slot: number, identity: SeriesIdentity): number {
    let first = 0;
    for (let r = this.rules.length - 1; r >= 0; r--) {
      const rule = this.rules[r];
      const role =
        (rule.bad(identity.name, identity.labels) ? ROLE_BAD : 0) | (rule.total(identity.name, identity.labels) ? ROLE_TOTAL : 0);
      if (role === 0) continue;
      const g = rule.groupOf(identity.labels, this.formatId);
      rule.refs[g]++;
      const b = this.newBinding();
      this.bRule[b] = r;
      this.bGroup[b] = g;
      this.bRole[b] = role;
      this.bLast[b] = NaN;
      this.bTs[b] = -Infinity;
      this.bNext[b] = first;
      first = b;
    }
    return (this.head[slot] = first === 0 ? NO_BINDING : first);
  }

  private newBinding(): number {
    const free = this.bFree.pop();
    if (free !== undefined) return free;
    if (this.bUsed === this.bRule.length) {
      const n = this.bUsed * 2;
      this.bRule = grow(this.bRule, n);
      this.bGroup = grow(this.bGroup, n);
      this.bRole = grow(this.bRole, n);
      this.bLast = grow(this.bLast, n);
      this.bTs = grow(this.bTs, n);
      this.bNext = grow(this.bNext, n);
    }
    return this.bUsed++;
  }

  private dropGroup(rule: SloRule, g: number, now: number): void {
    if (rule.lifecycle.state[g] === FIRING) {
      this.count(rule, Transition.Resolved);
      this.record(rule, g, AlertReason.Stale, now);
    }
    rule.lifecycle.reset(g);
    rule.dirty[g] = 0;
    rule.groups.delete(rule.identities[g]!.series);
    rule.identities[g] = undefined;
    rule.free.push(g);
  }

  /** Steps group g's alert lifecycle with its breach tier at `ts`. */
  private evaluate(rule: SloRule, g: number, ts: number): void {
    rule.dirty[g] = 0;
    const tier = rule.tierOf(g);
    const lc = rule.lifecycle;
    if (tier === CLEAR && lc.state[g] === INACTIVE) return;
    const p = tier === CLEAR ? 0 : tier;
    const burn = rule.ratio(g, rule.longK[p]) / rule.budget;
    lc.lastValue[g] = burn;
    const t = lc.step(g, tier, ts, rule.params, burn);
    if (t === Transition.None || t === Transition.Pending || t === Transition.HeldBack) {
      if (t !== Transition.None) this.count(rule, t);
      return;
    }
    this.count(rule, t);
    this.record(rule, g, REASON[t]!, ts);
  }

  private count(rule: SloRule, t: Transition): void {
    this.transitions[rule.index * TRANSITION_NAMES.length + t]++;
  }

  /**
   * Queues an alert of group g. value: the burn rate over the long window of the pair of the
   * alert's severity (its error ratio ÷ the budget); z: the same over the short window; mean: the
   * long window's error ratio; std: the budget (1 − objective), so value = mean / std; threshold:
   * the pair's burn factor; window: the long window in steps.
   */
  private record(rule: SloRule, g: number, reason: AlertReason, ts: number): void {
    const lc = rule.lifecycle;
    const pairs = rule.thresholds.length;
    // A severity only `escalate` reaches ranks above every pair: report the highest pair.
    const p = lc.tier[g] < pairs ? lc.tier[g] : pairs - 1;
    const long = rule.ratio(g, rule.longK[p]);
    const q = this.alerts;
    const i = q.push(rule.identities[g]!, rule.index, reason);
    q.tier[i] = lc.tier[g];
    q.ts[i] = ts;
    q.value[i] = long / rule.budget;
    q.mean[i] = long;
    q.std[i] = rule.budget;
    q.z[i] = rule.ratio(g, rule.shortK[p]) / rule.budget;
    q.window[i] = rule.windows.lengths[rule.longK[p]];
    q.baseline[i] = BaselineKind.Slo;
    q.trigger[i] = Trigger.None;
    q.threshold[i] = rule.burns[p];
    q.startsAt[i] = lc.activeAt[g];
    q.firedAt[i] = lc.firedAt[g];
  }
}

/** The event of a lifecycle transition that sends one (Rearmed cannot happen: SLO rules do not re-arm). */
const REASON: Partial<Record<Transition, AlertReason>> = {
  [Transition.Fired]: AlertReason.Fired,
  [Transition.Repeat]: AlertReason.Repeat,
  [Transition.SeverityChanged]: AlertReason.SeverityChanged,
  [Transition.Resolved]: AlertReason.Resolved,
};
