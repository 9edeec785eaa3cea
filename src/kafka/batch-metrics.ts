/**
 * Turns one batch's result into metrics: every count comes from the engine's BatchResult (one
 * source), recorded once the batch's output is acknowledged by the broker. Label values are the
 * closed vocabularies' names (outcomes, transitions, dead-letter reasons), never series ids.
 */
import type { Rule } from '../core/rule.js';
import { OUTCOME_NAMES, Outcome } from '../core/outcome.js';
import { TRANSITION_NAMES, Transition } from '../core/lifecycle.js';
import { DEAD_LETTER_REASONS } from '../codec/dead-letter.js';
import type { BatchResult } from '../engine/batch-result.js';
import type { Metrics } from '../observe/metrics.js';

/**
 * Transitions counted from the result: those that send no event, and a re-arm (whose resolved and
 * fired events are counted per event as well). The others are counted per event.
 */
const COUNTED_TRANSITIONS = [Transition.Pending, Transition.HeldBack, Transition.Rearmed] as const;

export interface BatchContext {
  readonly rules: readonly Rule[];
  /** The partition, as the `partition` label. */
  readonly partition: string;
  /** Series the partition's engine holds after the batch. */
  readonly series: number;
  /** Wall clock when the broker acknowledged the batch's output (Unix ms). */
  readonly ackedAt: number;
}

export function recordBatch(m: Metrics, r: BatchResult, c: BatchContext): void {
  m.records.inc(r.records);
  for (let i = 0; i < r.outcomes.length; i++) if (r.outcomes[i] > 0) m.samples.labels(OUTCOME_NAMES[i]!).inc(r.outcomes[i]);
  for (let i = 0; i < r.deadLetterCounts.length; i++)
    if (r.deadLetterCounts[i] > 0) m.deadLetters.labels(DEAD_LETTER_REASONS[i]!).inc(r.deadLetterCounts[i]);
  const refused = r.outcomes[Outcome.Refused];
  if (refused > 0) m.refusedSeries.labels(c.partition).inc(refused);
  if (r.evicted > 0) m.evictedSeries.inc(r.evicted);
  for (const { event, rule, flap, firedAt } of r.alerts) {
    const name = c.rules[rule]!.name;
    m.alerts.labels(name, event.severity, event.status).inc();
    m.transitions.labels(name, event.reason === 'stale' ? 'resolved' : event.reason!).inc();
    if (event.reason === 'fired') m.alertsFiring.labels(name).inc();
    if (event.status === 'resolved') m.alertsFiring.labels(name).dec();
    if (flap) m.flaps.labels(name).inc();
    if (event.status === 'resolved') m.alertDuration.labels(name).observe((event.ts - firedAt) / 1000);
    if (c.ackedAt >= event.ts) m.sampleToAlertLatency.observe((c.ackedAt - event.ts) / 1000);
    else m.samplesAhead.inc();
  }
  for (let rule = 0; rule < c.rules.length; rule++) {
    for (const t of COUNTED_TRANSITIONS) {
      const n = r.transitionCount(rule, t);
      if (n > 0) m.transitions.labels(c.rules[rule]!.name, TRANSITION_NAMES[t]).inc(n);
    }
  }
  m.activeSeries.labels(c.partition).set(c.series);
}
