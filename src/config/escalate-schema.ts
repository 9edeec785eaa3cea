/**
 * `escalate: [{after, severity}]`, shared by anomaly and SLO rules: each step must come later and
 * rank higher than the one before; severities rank as the rule's tiers, then the names only
 * `escalate` reaches (core/rule.ts severityLadder()).
 */

import { z } from 'zod';
import { duration, nonEmptyString, note, strict } from './fields.js';

const escalation = () => strict({ after: duration(false), severity: nonEmptyString() }, 'a map {after: <duration>, severity: <name>}');

/**
 * `escalate` sorted by `after` (the order it is written in does not matter), each with its index
 * as written, for messages.
 */
export function sortedEscalations<T extends { after: number }>(steps: readonly T[]): { step: T; at: number }[] {
  return steps.map((step, at) => ({ step, at })).sort((a, b) => a.step.after - b.step.after);
}

/**
 * The severity ladder of a rule as written: its tiers' severities (ascending z), then the names
 * only `escalate` reaches, in order of `after` (core/rule.ts severityLadder()).
 */
function ladderOf(tiers: readonly string[], steps: readonly { after: number; severity: string }[]): string[] {
  const ladder = [...tiers];
  for (const { step } of sortedEscalations(steps)) if (!ladder.includes(step.severity)) ladder.push(step.severity);
  return ladder;
}

/** Each step must come later and rank higher than the one before it, and above the lowest tier. */
export function checkEscalations(
  tiers: readonly string[],
  steps: readonly { after: number; severity: string }[],
  ctx: Parameters<typeof note>[0],
): void {
  const ladder = ladderOf(tiers, steps);
  const sorted = sortedEscalations(steps);
  sorted.forEach(({ step, at }, k) => {
    const rank = ladder.indexOf(step.severity);
    if (rank === 0) {
      note(
        ctx,
        ['escalate', at, 'severity'],
        `${JSON.stringify(step.severity)} is the rule's lowest severity, which every alert already has; escalate to a higher one`,
      );
      return;
    }
    if (k === 0) return;
    const prev = sorted[k - 1]!;
    if (step.after === prev.step.after) {
      note(ctx, ['escalate', at, 'after'], `escalate[${prev.at}] has the same after; each step needs its own time`);
    } else if (rank <= ladder.indexOf(prev.step.severity)) {
      note(
        ctx,
        ['escalate', at, 'severity'],
        `${JSON.stringify(step.severity)} does not rank above ${JSON.stringify(prev.step.severity)} of escalate[${prev.at}], which comes earlier; severities rank ${ladder.join(' < ')} (the tiers by z, then the names only escalate reaches), and a later step must rank higher`,
      );
    }
  });
}

export const escalationsSchema = () =>
  z
    .array(escalation(), { error: 'a list of {after: <duration>, severity: <name>} steps' })
    .max(16, { error: 'a list of at most 16 {after, severity} steps' });
