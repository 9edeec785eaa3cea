/**
 * The alert transitions one detector produced since the caller last took them: the facts of each
 * (which series and rule, why, the sample, the baseline it was scored against), in typed columns
 * that grow by doubling and are reused, so an alert allocates nothing in the core. The engine turns
 * them into wire events (`codec/alert-event.ts`); the queue is emptied with `clear()`.
 */
import type { SeriesIdentity } from './series-identity.js';
import { grow } from './slab.js';

/** Why an alert event is sent. The names beside are the `reason` field of the event. */
export const AlertReason = {
  Fired: 0,
  Repeat: 1,
  SeverityChanged: 2,
  Resolved: 3,
  /** The series stopped sending and was evicted while firing. */
  Stale: 4,
} as const;
export type AlertReason = (typeof AlertReason)[keyof typeof AlertReason];

/** Reason names, indexed by AlertReason. */
export const ALERT_REASON_NAMES = ['fired', 'repeat', 'severity_changed', 'resolved', 'stale'] as const;
export type AlertReasonName = (typeof ALERT_REASON_NAMES)[number];

/** What the sample was scored against. Names beside, as the event's `baseline` field. */
export const BaselineKind = {
  /** The rolling window (memory 0). */
  Window: 0,
  /** The long memory's exponentially weighted statistics. */
  Memory: 1,
  /** The daily profile at the sample's time of day. */
  Daily: 2,
  /** An SLO rule's error ratios over its windows (core/slo.ts): the event's fields are burn rates. */
  Slo: 3,
} as const;
export type BaselineKind = (typeof BaselineKind)[keyof typeof BaselineKind];
export const BASELINE_NAMES = ['window', 'memory', 'daily', 'slo'] as const;

/** Which score made the sample breach. Names beside, as the event's `trigger` field. */
export const Trigger = {
  /** No breach (a resolution). */
  None: 0,
  /** |z| reached a tier's threshold. */
  Z: 1,
  /** The recent average of |z| was unlikely under its long-run distribution. */
  Likelihood: 2,
} as const;
export type Trigger = (typeof Trigger)[keyof typeof Trigger];
export const TRIGGER_NAMES = ['none', 'z', 'likelihood'] as const;

/** Whether an event of this reason ends the episode (status `resolved`). */
export function isResolution(reason: number): boolean {
  return reason === AlertReason.Resolved || reason === AlertReason.Stale;
}

export class AlertQueue {
  count = 0;
  /** The series (kept by reference: a stale alert's slot is reused right after). */
  identity: SeriesIdentity[] = [];
  rule: Uint8Array;
  reason: Uint8Array;
  /** Severity tier index into the rule's tiers. */
  tier: Uint8Array;
  /** The sample's time and value, and the baseline it was scored against (the window before it). */
  ts: Float64Array;
  value: Float64Array;
  mean: Float64Array;
  /** The std the score divided by: the window's, raised to the rule's floor. */
  std: Float64Array;
  z: Float64Array;
  /** Samples in that baseline. */
  window: Float64Array;
  /** What the sample was scored against (BaselineKind) and which score breached (Trigger). */
  baseline: Uint8Array;
  trigger: Uint8Array;
  /** The |z| threshold of the rule's first tier: the band is mean ± threshold × std. */
  threshold: Float64Array;
  /** When the episode became pending (Prometheus' activeAt); part of the alert id. */
  startsAt: Float64Array;
  /** When it started firing (pending → firing). */
  firedAt: Float64Array;

  constructor(capacity = 16) {
    this.rule = new Uint8Array(capacity);
    this.reason = new Uint8Array(capacity);
    this.tier = new Uint8Array(capacity);
    this.ts = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
    this.mean = new Float64Array(capacity);
    this.std = new Float64Array(capacity);
    this.z = new Float64Array(capacity);
    this.window = new Float64Array(capacity);
    this.baseline = new Uint8Array(capacity);
    this.trigger = new Uint8Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.startsAt = new Float64Array(capacity);
    this.firedAt = new Float64Array(capacity);
  }

  /** Appends an entry and returns its index; the caller fills the columns. */
  push(identity: SeriesIdentity, rule: number, reason: AlertReason): number {
    if (this.count === this.rule.length) this.grow(this.count * 2);
    const i = this.count++;
    this.identity[i] = identity;
    this.rule[i] = rule;
    this.reason[i] = reason;
    return i;
  }

  /** Forgets every entry (the columns are kept for reuse). */
  clear(): void {
    this.identity.length = 0;
    this.count = 0;
  }

  private grow(capacity: number): void {
    this.rule = grow(this.rule, capacity);
    this.reason = grow(this.reason, capacity);
    this.tier = grow(this.tier, capacity);
    this.ts = grow(this.ts, capacity);
    this.value = grow(this.value, capacity);
    this.mean = grow(this.mean, capacity);
    this.std = grow(this.std, capacity);
    this.z = grow(this.z, capacity);
    this.window = grow(this.window, capacity);
    this.baseline = grow(this.baseline, capacity);
    this.trigger = grow(this.trigger, capacity);
    this.threshold = grow(this.threshold, capacity);
    this.startsAt = grow(this.startsAt, capacity);
    this.firedAt = grow(this.firedAt, capacity);
  }
}
