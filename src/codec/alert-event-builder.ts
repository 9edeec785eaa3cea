/**
 * Turns the core's alert facts (one entry of an `AlertQueue`) into the wire event: the
 * deterministic id, the series labels merged with the rule's extra labels, the status and reason
 * by name, and the rule's annotation templates rendered. Templates are compiled once per rule;
 * building happens per alert (rare), never per sample.
 */
import {
  ALERT_REASON_NAMES,
  BASELINE_NAMES,
  TRIGGER_NAMES,
  Trigger,
  isResolution,
  type AlertQueue,
  type AlertReason,
} from '../core/alert-queue.js';
import { severityLadder, type Rule } from '../core/rule.js';
import { compileTemplate, type CompiledTemplate } from './alert-template.js';
import { alertId, type AlertEvent } from './alerts.js';

export class AlertEventBuilder {
  private readonly templates: ReadonlyArray<ReadonlyArray<readonly [string, CompiledTemplate]>>;
  /** Per rule, its severities by tier index (score tiers, then those only `escalate` reaches). */
  private readonly ladders: ReadonlyArray<readonly string[]>;

  /** `rules` in the detector's order: queue entries name their rule by index. */
  constructor(private readonly rules: readonly Rule[]) {
    this.templates = rules.map((rule) => Object.entries(rule.annotations).map(([k, src]) => [k, compileTemplate(src)] as const));
    this.ladders = rules.map(severityLadder);
  }

  /** The event of entry `i` of `q`. */
  build(q: AlertQueue, i: number): AlertEvent {
    const rule = this.rules[q.rule[i]]!;
    const { series, name, labels: seriesLabels } = q.identity[i]!;
    const reason = q.reason[i] as AlertReason;
    const severity = this.ladders[q.rule[i]]![q.tier[i]]!;
    // Rule labels win over series labels, as in Prometheus alerting rules.
    const labels = { ...seriesLabels, ...rule.labels };
    const value = q.value[i];
    const mean = q.mean[i];
    const std = q.std[i];
    const z = q.z[i];
    const annotations: Record<string, string> = {};
    const ctx = { value, mean, std, z, rule: rule.name, severity, series, name, labels };
    for (const [key, template] of this.templates[q.rule[i]]!) annotations[key] = template.render(ctx);
    const ts = q.ts[i];
    const resolved = isResolution(reason);
    return {
      id: alertId(series, rule.name, q.startsAt[i]),
      status: resolved ? 'resolved' : 'firing',
      rule: rule.name,
      severity,
      series,
      name,
      labels,
      ts,
      value,
      mean,
      std,
      z,
      window: q.window[i],
      startsAt: q.startsAt[i],
      ...(resolved ? { endsAt: ts } : {}),
      annotations,
      reason: ALERT_REASON_NAMES[reason],
      baseline: BASELINE_NAMES[q.baseline[i]]!,
      ...(q.trigger[i] === Trigger.None ? {} : { trigger: TRIGGER_NAMES[q.trigger[i]] as 'z' | 'likelihood' }),
      threshold: q.threshold[i],
    };
  }
}
