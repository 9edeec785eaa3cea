/**
 * What the relay believes Alertmanager should hold, for one partition of the alerts topic: the
 * firing alerts (by event id, one per episode) and the recently resolved ones (by label set),
 * folded from the partition's events in offset order.
 *
 * Only a resolved event resolves an alert. An alert missing from this state (not rebuilt yet, or
 * timed out) is simply not re-sent, and Alertmanager lets it expire at the endsAt it was last
 * given: absence never turns into a resolution sent by mistake.
 *
 * Times: `at` is the record's timestamp (when the worker published the event, wall clock), so a
 * state rebuilt from the topic after a restart holds resolved alerts for exactly as long as the
 * relay that saw them live did, however old the samples' own times are.
 */
import type { AlertEvent } from '../codec/alerts.js';
import { fromEvent, labelKey, resolvedAt, type AmAlert } from './am-alert.js';

export interface StateOptions {
  /** generatorURL base ('' = none). */
  readonly generatorUrl: string;
  /** Resolved alerts are re-sent until their record time + this. */
  readonly resolvedRetentionMs: number;
  /** A firing alert with no event for this long is dropped; 0 = never. */
  readonly firingTimeoutMs: number;
}

interface Firing {
  readonly alert: AmAlert;
  readonly key: string;
  /** Record time of the episode's latest event. */
  readonly lastEventAt: number;
}

interface Resolved {
  readonly alert: AmAlert;
  /** Re-sent until this wall-clock time. */
  readonly until: number;
}

export class AlertState {
  /** By event id: the episode's current label set (an escalation changes `severity`). */
  private readonly firing = new Map<string, Firing>();
  /** Label key → the id firing with it; a label set fires in at most one episode at a time. */
  private readonly firingKeys = new Map<string, string>();
  /** By label key: Alertmanager knows an alert by its labels, and so does this. */
  private readonly resolved = new Map<string, Resolved>();

  constructor(private readonly options: StateOptions) {}

  get firingCount(): number {
    return this.firing.size;
  }

  get resolvedCount(): number {
    return this.resolved.size;
  }

  /** Folds one event in; returns the alerts whose Alertmanager view it changed (sent at once when live). */
  apply(e: AlertEvent, at: number): AmAlert[] {
    const alert = fromEvent(e, this.options.generatorUrl);
    return e.status === 'firing' ? this.fire(e.id, alert, e.ts, at) : this.resolve(e.id, alert, at);
  }

  /** Every alert to (re-)send: the firing ones and the resolved ones still retained (call `expire` first). */
  snapshot(): AmAlert[] {
    const out: AmAlert[] = [];
    for (const r of this.resolved.values()) out.push(r.alert);
    // Firing after resolved: should a label set be in both (it cannot, but) firing is the later truth.
    for (const f of this.firing.values()) out.push(f.alert);
    return out;
  }

  /** Drops resolved alerts past their retention and, with a firing timeout, silent episodes. Returns how many timed out. */
  expire(now: number): number {
    for (const [key, r] of this.resolved) if (r.until <= now) this.resolved.delete(key);
    const timeout = this.options.firingTimeoutMs;
    if (timeout === 0) return 0;
    let timedOut = 0;
    for (const [id, f] of this.firing) {
      if (f.lastEventAt + timeout > now) continue;
      this.dropFiring(id, f);
      timedOut++;
    }
    return timedOut;
  }

  private fire(id: string, alert: AmAlert, ts: number, at: number): AmAlert[] {
    const key = labelKey(alert.labels);
    const changed: AmAlert[] = [];
    const prev = this.firing.get(id);
    // Escalated (or de-escalated): the old label set is another Alertmanager alert; resolve it
    // rather than let it linger until its endsAt.
    if (prev !== undefined && prev.key !== key) changed.push(this.retire(id, prev, ts, at));
    // Alertmanager holds one alert per label set: an older episode still firing with these labels
    // (its worker lost its state before resolving it) is superseded, or it would outlive this one.
    const other = this.firingKeys.get(key);
    if (other !== undefined && other !== id) this.dropFiring(other, this.firing.get(other)!);
    // The label set fires again: a retained resolution of it must stop being re-sent, or it would
    // overwrite this episode in Alertmanager.
    this.resolved.delete(key);
    this.firing.set(id, { alert, key, lastEventAt: at });
    this.firingKeys.set(key, id);
    changed.push(alert);
    return changed;
  }

  private resolve(id: string, alert: AmAlert, at: number): AmAlert[] {
    const key = labelKey(alert.labels);
    const changed: AmAlert[] = [];
    const prev = this.firing.get(id);
    if (prev !== undefined && prev.key !== key) changed.push(this.retire(id, prev, alert.endsAt!, at));
    else if (prev !== undefined) this.dropFiring(id, prev);
    // A late resolution of an older episode must not resolve the episode firing now with the same labels.
    const owner = this.firingKeys.get(key);
    if (owner !== undefined && owner !== id) return changed;
    this.resolved.set(key, { alert, until: at + this.options.resolvedRetentionMs });
    changed.push(alert);
    return changed;
  }

  /** Ends `prev`'s label set at `endsAt` and keeps re-sending that resolution. */
  private retire(id: string, prev: Firing, endsAt: number, at: number): AmAlert {
    this.dropFiring(id, prev);
    const done = resolvedAt(prev.alert, endsAt);
    this.resolved.set(prev.key, { alert: done, until: at + this.options.resolvedRetentionMs });
    return done;
  }

  private dropFiring(id: string, f: Firing): void {
    this.firing.delete(id);
    if (this.firingKeys.get(f.key) === id) this.firingKeys.delete(f.key);
  }
}
