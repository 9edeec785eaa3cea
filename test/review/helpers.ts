/**
 * Hand-made alert events for the review's tests: one episode at a time, in minutes from T0.
 */
import { alertId, type AlertEvent } from '../../src/codec/alerts.js';
import type { AlertReason } from '../../src/codec/alerts.js';

export const T0 = Date.UTC(2026, 10, 1);
export const MIN = 60_000;

/** One event of the episode (series, rule, startsAt): `at` minutes from T0. */
export function event(o: {
  series?: string;
  rule?: string;
  startsAt: number;
  reason: AlertReason;
  at: number;
  severity?: string;
}): AlertEvent {
  const series = o.series ?? 'cpu{host="a"}';
  const rule = o.rule ?? 'default';
  const startsAt = T0 + o.startsAt * MIN;
  const ts = T0 + o.at * MIN;
  const resolved = o.reason === 'resolved' || o.reason === 'stale';
  return {
    id: alertId(series, rule, startsAt),
    status: resolved ? 'resolved' : 'firing',
    rule,
    severity: o.severity ?? 'warning',
    series,
    name: series.replace(/\{.*$/, ''),
    labels: {},
    ts,
    value: 1,
    mean: 0,
    std: 1,
    z: resolved ? 0 : 7,
    window: 120,
    startsAt,
    ...(resolved ? { endsAt: ts } : {}),
    annotations: {},
    reason: o.reason,
  };
}

/**
 * A whole episode in minutes from T0: pending at `start`, fired at `fired` (default: start), ended
 * at `end` (omitted: still firing).
 */
export function episode(o: {
  series?: string;
  rule?: string;
  start: number;
  fired?: number;
  end?: number;
  severity?: string;
}): AlertEvent[] {
  const base = { series: o.series, rule: o.rule, startsAt: o.start, severity: o.severity };
  const out = [event({ ...base, reason: 'fired', at: o.fired ?? o.start })];
  if (o.end !== undefined) out.push(event({ ...base, reason: 'resolved', at: o.end }));
  return out;
}
