/**
 * Turns the core's alert records into wire events: the deterministic id, the series labels merged
 * with the rule's extra labels, and the rule's annotation templates rendered. Templates are
 * compiled once per rule; building happens per alert (rare), never per sample.
 */
import type { AlertRecord } from '../core/detector.js';
import type { Rule } from '../core/rule.js';
import { compileTemplate, type CompiledTemplate } from '../core/template.js';
import { alertId, type AlertEvent } from './alerts.js';

export class AlertEventBuilder {
  private readonly templates = new Map<Rule, ReadonlyArray<readonly [string, CompiledTemplate]>>();

  build(rec: AlertRecord): AlertEvent {
    const rule = rec.rule;
    // Rule labels win over series labels, as in Prometheus alerting rules.
    const labels = { ...rec.labels, ...rule.labels };
    const annotations: Record<string, string> = {};
    const ctx = {
      value: rec.value,
      mean: rec.mean,
      std: rec.std,
      z: rec.z,
      rule: rule.name,
      severity: rec.severity,
      series: rec.series,
      name: rec.name,
      labels,
    };
    for (const [key, template] of this.templatesOf(rule)) annotations[key] = template.render(ctx);
    return {
      id: alertId(rec.series, rule.name, rec.startsAt),
      status: rec.status,
      rule: rule.name,
      severity: rec.severity,
      series: rec.series,
      name: rec.name,
      labels,
      ts: rec.ts,
      value: rec.value,
      mean: rec.mean,
      std: rec.std,
      z: rec.z,
      window: rec.window,
      startsAt: rec.startsAt,
      ...(rec.endsAt === undefined ? {} : { endsAt: rec.endsAt }),
      annotations,
      reason: rec.reason,
    };
  }

  private templatesOf(rule: Rule): ReadonlyArray<readonly [string, CompiledTemplate]> {
    let t = this.templates.get(rule);
    if (t === undefined) {
      t = Object.entries(rule.annotations).map(([k, src]) => [k, compileTemplate(src)] as const);
      this.templates.set(rule, t);
    }
    return t;
  }
}
