/**
 * An alert as Alertmanager sees it (API v2 `postableAlert`), made from an alert event of the
 * alerts topic, and its JSON form at the moment it is sent.
 *
 * Alertmanager identifies an alert by its label set alone (the fingerprint), so the labels must
 * tell two sigmawatch alerts apart: the rule (`alertname`), the metric name (`__name__`: a catch-all
 * rule alerting on `cpu{host="a"}` and `mem{host="a"}` would otherwise be one alert, and one's
 * resolution would resolve the other) and the series' and rule's labels. `__name__` cannot clash
 * with a series label (series labels never start with `__`).
 */
import type { AlertEvent } from '../codec/alerts.js';

export interface AmAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Unix ms. */
  readonly startsAt: number;
  /** Unix ms; only on resolved alerts. A firing alert's endsAt is set when it is sent. */
  readonly endsAt?: number;
  readonly generatorURL?: string;
}

/** What the API takes: times as RFC 3339 strings. */
export interface WireAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/**
 * The event's labels (series + rule), then `__name__`, `severity` and `alertname`, which win: a
 * series label called `severity` must not change how the alert is routed.
 */
export function alertLabels(e: AlertEvent): Record<string, string> {
  return { ...e.labels, __name__: e.name, severity: e.severity, alertname: e.rule };
}

/** `generatorBase` + the URL-encoded series id: the canonical id is itself a PromQL selector. */
export function generatorUrl(generatorBase: string, series: string): string | undefined {
  return generatorBase === '' ? undefined : `${generatorBase}${encodeURIComponent(series)}`;
}

/** The Alertmanager alert of an event: firing (no endsAt) or resolved (endsAt = the event's). */
export function fromEvent(e: AlertEvent, generatorBase: string): AmAlert {
  const url = generatorUrl(generatorBase, e.series);
  const base = {
    labels: alertLabels(e),
    annotations: { ...e.annotations },
    startsAt: e.startsAt,
    ...(url === undefined ? {} : { generatorURL: url }),
  };
  return e.status === 'firing' ? base : { ...base, endsAt: e.endsAt ?? e.ts };
}

/** The same alert, resolved at `endsAt` (a label set that an escalation replaced). */
export function resolvedAt(a: AmAlert, endsAt: number): AmAlert {
  return { ...a, endsAt };
}

/** A stable key of a label set: Alertmanager's identity of an alert. */
export function labelKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/**
 * The JSON to POST. A firing alert's endsAt is `now + firingFor`, computed at send time (not
 * when queued): an alert that waited in the queue through an outage must not arrive already
 * expired, which Alertmanager would take for a resolution.
 */
export function toWire(a: AmAlert, now: number, firingForMs: number): WireAlert {
  const out: WireAlert = {
    labels: { ...a.labels },
    annotations: { ...a.annotations },
    startsAt: new Date(a.startsAt).toISOString(),
    endsAt: new Date(a.endsAt ?? now + firingForMs).toISOString(),
  };
  if (a.generatorURL !== undefined) out.generatorURL = a.generatorURL;
  return out;
}
