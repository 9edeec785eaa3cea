/**
 * Alert events as the worker publishes them (for the relay tests), and metric values: nothing
 * here touches Kafka or Alertmanager, so the unit tests need only this.
 */
import type { Counter, Gauge } from 'prom-client';
import { alertId, type AlertEvent } from '../../src/codec/alerts.js';

export interface EventSpec {
  rule: string;
  name?: string;
  labels?: Record<string, string>;
  severity?: string;
  status?: 'firing' | 'resolved';
  startsAt?: number;
  endsAt?: number;
  annotations?: Record<string, string>;
  reason?: AlertEvent['reason'];
}

/** `name{k="v",...}` with labels sorted, as the worker keys its records. */
export function seriesOf(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? name : `${name}{${keys.map((k) => `${k}="${labels[k]}"`).join(',')}}`;
}

/** An alert event as the worker would publish it (its id derived from series, rule, startsAt). */
export function alertEvent(spec: EventSpec): AlertEvent {
  const name = spec.name ?? 'http_request_duration_seconds';
  const labels = spec.labels ?? {};
  const series = seriesOf(name, labels);
  // Now by default: Alertmanager flushes a group at once for an alert that began more than group_wait ago.
  const startsAt = spec.startsAt ?? Date.now();
  const status = spec.status ?? 'firing';
  const ts = status === 'resolved' ? (spec.endsAt ?? Date.now()) : startsAt;
  return {
    id: alertId(series, spec.rule, startsAt),
    status,
    rule: spec.rule,
    severity: spec.severity ?? 'warning',
    series,
    name,
    labels,
    ts,
    value: 2,
    mean: 0.25,
    std: 0.05,
    z: 35,
    window: 120,
    startsAt,
    ...(status === 'resolved' ? { endsAt: ts } : {}),
    annotations: spec.annotations ?? {},
    reason: spec.reason ?? (status === 'resolved' ? 'resolved' : 'fired'),
  };
}

/** The resolution of a firing event's episode, at `endsAt`. */
export function resolution(e: AlertEvent, endsAt = Date.now()): AlertEvent {
  return { ...e, status: 'resolved', ts: endsAt, endsAt, reason: 'resolved', trigger: undefined };
}

/** A counter's or gauge's value for these labels (0 when never set). */
export async function metricValue(metric: Counter<string> | Gauge<string>, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return match?.value ?? 0;
}
