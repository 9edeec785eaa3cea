/**
 * The alert lifecycle per series (and its rule), the Prometheus model:
 *
 *   inactive → pending   a sample breaches
 *   pending  → firing    the breach has held for `for` (consecutive samples, or sample time)
 *   pending  → inactive  the breach stopped before `for` was met (held back: no alert)
 *   firing   → firing    re-sent after `repeat`, and at once when the severity escalates
 *   firing   → inactive  the condition has been clear for `keep_firing_for` (resolved)
 *   firing   → firing    re-armed: a breach while keep_firing_for holds the alert after the
 *                        condition cleared, at least `rearm` × the episode's peak |z|: the old
 *                        episode resolves and a new one fires (a real incident right after a
 *                        false alarm still pages)
 *
 * State lives in typed slabs indexed by the store's slot. Every transition happens in step(),
 * a pure function of (state, this sample's breach tier, its timestamp, the rule): time is passed in.
 *
 * Severity while firing is the highest tier reached in the episode: escalation re-sends at once,
 * a drop back to a lower tier does not (that would page again for an improving incident). Besides
 * the score, time escalates: once an alert has fired for an `escalate` step's `after` (sample time,
 * checked at each sample of the series, also while keep_firing_for holds it), it takes that step's
 * tier, so a long incident can page a second tier. Neither way ever lowers it within an episode.
 */
import { grow } from './slab.js';
import type { Snapshot, SnapshotReader } from './snapshot.js';

export const INACTIVE = 0;
export const PENDING = 1;
export const FIRING = 2;

/** Why step() returned: drives the alert event, the log line and the metrics together. */
export const Transition = {
  None: 0,
  /** inactive → pending (nothing is sent). */
  Pending: 1,
  /** pending → inactive: the breach did not hold for `for`. */
  HeldBack: 2,
  Fired: 3,
  Repeat: 4,
  SeverityChanged: 5,
  Resolved: 6,
  /** Firing, held by keep_firing_for, and a much larger breach: the caller resolves the episode and calls refire(). */
  Rearmed: 7,
} as const;
export type Transition = (typeof Transition)[keyof typeof Transition];

export const TRANSITION_NAMES = ['none', 'pending', 'held_back', 'fired', 'repeat', 'severity_changed', 'resolved', 'rearmed'] as const;

/** A hold (`for`, `keep_firing_for`) as numbers: met after `samples` samples or `ms` of sample time. */
export interface HoldParams {
  /** ≥ 1 when counting samples; 0 when the hold is a duration. */
  readonly samples: number;
  readonly ms: number;
}

export interface LifecycleParams {
  readonly for: HoldParams;
  readonly keepFiringFor: HoldParams;
  /** 0 = never re-send. */
  readonly repeatMs: number;
  /** Re-arm factor on the episode's peak |z| (see Transition.Rearmed); absent or 0 = never. */
  readonly rearm?: number;
  /** Time escalation: after firing for escalateMs[i] (ascending), the tier is at least escalateTier[i]. Absent = none. */
  readonly escalateMs?: Float64Array;
  readonly escalateTier?: Uint8Array;
}

export class AlertLifecycle {
  capacity: number;
  state: Uint8Array;
  /** Severity tier of the firing alert (the highest reached in this episode). */
  tier: Uint8Array;
  /** Consecutive breaching samples, and consecutive clear samples while firing. */
  breachRun: Uint32Array;
  clearRun: Uint32Array;
  /** When the current episode became pending: the alert's startsAt. */
  activeAt: Float64Array;
  firedAt: Float64Array;
  lastSentAt: Float64Array;
  /** First clear sample while firing (keep_firing_for counts from here). */
  clearSince: Float64Array;
  /** The last value while an episode is open (a stale alert reports it; the window may have excluded it). */
  lastValue: Float64Array;
  /** The largest breach magnitude (|z| in the rule's direction) of the open episode. */
  peak: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.state = new Uint8Array(capacity);
    this.tier = new Uint8Array(capacity);
    this.breachRun = new Uint32Array(capacity);
    this.clearRun = new Uint32Array(capacity);
    this.activeAt = new Float64Array(capacity);
    this.firedAt = new Float64Array(capacity);
    this.lastSentAt = new Float64Array(capacity);
    this.clearSince = new Float64Array(capacity);
    this.lastValue = new Float64Array(capacity);
    this.peak = new Float64Array(capacity);
  }

  static readonly bytesPerSlot = 1 + 1 + 4 + 4 + 8 * 6;

  grow(capacity: number): void {
    this.state = grow(this.state, capacity);
    this.tier = grow(this.tier, capacity);
    this.breachRun = grow(this.breachRun, capacity);
    this.clearRun = grow(this.clearRun, capacity);
    this.activeAt = grow(this.activeAt, capacity);
    this.firedAt = grow(this.firedAt, capacity);
    this.lastSentAt = grow(this.lastSentAt, capacity);
    this.clearSince = grow(this.clearSince, capacity);
    this.lastValue = grow(this.lastValue, capacity);
    this.peak = grow(this.peak, capacity);
    this.capacity = capacity;
  }

  reset(slot: number): void {
    this.state[slot] = INACTIVE;
    this.tier[slot] = 0;
    this.breachRun[slot] = 0;
    this.clearRun[slot] = 0;
    this.activeAt[slot] = 0;
    this.firedAt[slot] = 0;
    this.lastSentAt[slot] = 0;
    this.clearSince[slot] = 0;
    this.peak[slot] = 0;
  }

  /**
   * Advances the slot by one sample. `tier` is the sample's breach tier (-1 = clear), `ts` its
   * time, `magnitude` its |z| in the rule's direction.
   */
  step(slot: number, tier: number, ts: number, p: LifecycleParams, magnitude = 0): Transition {
    const state = this.state[slot];
    if (tier >= 0) {
      // Held by keep_firing_for after clearing, and far above this episode's peak: a new incident.
      if (state === FIRING && this.clearRun[slot] > 0 && p.rearm! > 0 && magnitude >= p.rearm! * this.peak[slot]) return Transition.Rearmed;
      if (magnitude > this.peak[slot]) this.peak[slot] = magnitude;
      this.clearRun[slot] = 0;
      const run = ++this.breachRun[slot];
      if (state === INACTIVE) {
        // A new episode begins.
        this.state[slot] = PENDING;
        this.activeAt[slot] = ts;
        this.tier[slot] = tier;
        this.peak[slot] = magnitude;
        if (held(p.for, run, ts, ts)) return this.fire(slot, ts);
        return Transition.Pending;
      }
      if (state === PENDING) {
        if (tier > this.tier[slot]) this.tier[slot] = tier;
        // The breach has held long enough.
        if (held(p.for, run, ts, this.activeAt[slot])) return this.fire(slot, ts);
        return Transition.None;
      }
      // Firing and still breaching: escalate at once (by score or by time); otherwise re-send after `repeat`.
      const due = escalatedTier(p, ts - this.firedAt[slot]);
      return this.raiseOrRepeat(slot, tier > due ? tier : due, ts, p);
    }

    this.breachRun[slot] = 0;
    if (state === INACTIVE) return Transition.None;
    if (state === PENDING) {
      // The breach did not hold for `for`.
      this.state[slot] = INACTIVE;
      return Transition.HeldBack;
    }
    // Firing, condition clear: resolve once clear for `keep_firing_for`.
    const clear = ++this.clearRun[slot];
    if (clear === 1) this.clearSince[slot] = ts;
    if (held(p.keepFiringFor, clear, ts, this.clearSince[slot])) {
      this.state[slot] = INACTIVE;
      this.clearRun[slot] = 0;
      return Transition.Resolved;
    }
    // Still firing (held): time escalation goes on, as the alert has not resolved.
    return this.raiseOrRepeat(slot, escalatedTier(p, ts - this.firedAt[slot]), ts, p);
  }

  /**
   * Adds the state of slots [0, slots) to `s` under `prefix`. Only the state byte of an inactive
   * slot is written: its other fields are dead (step() sets each before an open episode reads it,
   * and breachRun / clearRun are 0 whenever a slot is inactive), which saves 57 bytes a series.
   */
  writeSnapshot(s: Snapshot, prefix: string, slots: number): void {
    const state = this.state;
    let open = 0;
    for (let slot = 0; slot < slots; slot++) if (state[slot] !== INACTIVE) open++;
    const openSlots = new Uint32Array(open);
    for (let slot = 0, i = 0; slot < slots; slot++) if (state[slot] !== INACTIVE) openSlots[i++] = slot;
    s.add(`${prefix}state`, state.subarray(0, slots));
    s.add(`${prefix}open`, openSlots);
    for (const name of EPISODE_SLABS) {
      const slab = this[name];
      const values = new (slab.constructor as new (n: number) => typeof slab)(open);
      for (let i = 0; i < open; i++) values[i] = slab[openSlots[i]];
      s.add(prefix + name, values);
    }
  }

  /** Loads what writeSnapshot wrote into slots that are reset (a new lifecycle, grown to fit). */
  readSnapshot(r: SnapshotReader, prefix: string, slots: number): void {
    const state = r.u8(`${prefix}state`);
    if (state.length !== slots || slots > this.capacity)
      throw new Error(`snapshot's lifecycle holds ${state.length} slots, expected ${slots}`);
    this.state.set(state);
    const openSlots = r.u32(`${prefix}open`);
    for (const name of EPISODE_SLABS) {
      const slab = this[name];
      const values = r.get(prefix + name);
      if (values.length !== openSlots.length) throw new Error(`snapshot's lifecycle ${name} does not match its open slots`);
      for (let i = 0; i < openSlots.length; i++) slab[openSlots[i]] = values[i];
    }
  }

  /** After Rearmed (the old episode reported resolved): a new episode fires at once at `ts`. */
  refire(slot: number, tier: number, ts: number, magnitude: number): void {
    this.tier[slot] = tier;
    this.activeAt[slot] = ts;
    this.peak[slot] = magnitude;
    this.breachRun[slot] = 1;
    this.clearRun[slot] = 0;
    this.fire(slot, ts);
  }

  /** Ends a firing or pending episode from outside (series evicted as stale). */
  forceResolve(slot: number): Transition {
    const state = this.state[slot];
    this.reset(slot);
    return state === FIRING ? Transition.Resolved : state === PENDING ? Transition.HeldBack : Transition.None;
  }

  private fire(slot: number, ts: number): Transition {
    this.state[slot] = FIRING;
    this.firedAt[slot] = ts;
    this.lastSentAt[slot] = ts;
    return Transition.Fired;
  }

  /** A firing alert: raised to `tier` when that is higher (sent at once), else re-sent when `repeat` is due. */
  private raiseOrRepeat(slot: number, tier: number, ts: number, p: LifecycleParams): Transition {
    if (tier > this.tier[slot]) {
      this.tier[slot] = tier;
      this.lastSentAt[slot] = ts;
      return Transition.SeverityChanged;
    }
    return this.repeatDue(slot, ts, p);
  }

  private repeatDue(slot: number, ts: number, p: LifecycleParams): Transition {
    if (p.repeatMs > 0 && ts - this.lastSentAt[slot] >= p.repeatMs) {
      this.lastSentAt[slot] = ts;
      return Transition.Repeat;
    }
    return Transition.None;
  }
}

/** The per-slot fields of an open episode (everything but `state`), as checkpoints write them. */
const EPISODE_SLABS = ['tier', 'breachRun', 'clearRun', 'activeAt', 'firedAt', 'lastSentAt', 'clearSince', 'lastValue', 'peak'] as const;

/** The tier time escalation gives an alert that has fired for `firingMs` (-1 = none yet). */
function escalatedTier(p: LifecycleParams, firingMs: number): number {
  const after = p.escalateMs;
  if (after === undefined) return -1;
  // Steps ascend in both time and tier: the last one reached wins. A handful at most.
  let i = after.length - 1;
  while (i >= 0 && firingMs < after[i]) i--;
  return i < 0 ? -1 : p.escalateTier![i];
}

/** A hold is met after `samples` consecutive samples, or once `ms` of sample time has passed since `since`. */
function held(h: HoldParams, run: number, ts: number, since: number): boolean {
  return h.samples > 0 ? run >= h.samples : ts - since >= h.ms;
}
