/**
 * The review of one rule's episodes over a time range: pages, flaps, time firing, the noisiest
 * series, and what other `for` / `keep_firing_for` values would have paged (what-if.ts).
 *
 * Definitions (the README's `review` section repeats them):
 * - a page is an episode whose `fired` event lies in the range;
 * - a flap is a page that ended less than the flap window after it fired (the engine's test:
 *   end − fired < alerts.flap_window), the flap share is flaps / pages;
 * - time firing runs from the `fired` event to the end (`endsAt`); episodes still firing at the
 *   end of the range are counted apart and left out of the mean and the p90;
 * - pages per series-day divides pages by (series that alerted on the rule in the range) × (days
 *   in the range): the events say nothing of series that never alerted, so this is the rate among
 *   alerting series, an upper bound of the rate over every series the rule watches.
 */
import type { Episode } from './episodes.js';
import { whatIf, type WhatIfCandidates, type WhatIfResult } from './what-if.js';

const DAY_MS = 86_400_000;

export interface ReviewRange {
  /** First and last instant reviewed, Unix ms (from --since / --until, else the events' span). */
  readonly from: number;
  readonly to: number;
}

export interface SeriesNoise {
  readonly series: string;
  readonly pages: number;
  readonly flaps: number;
  /** Time firing of its pages, summed (still-firing ones up to the end of the range). */
  readonly firingMs: number;
}

export interface RuleReview {
  readonly rule: string;
  readonly pages: number;
  /** Pages by the severity they fired with. */
  readonly pagesBySeverity: Readonly<Record<string, number>>;
  readonly flaps: number;
  /** flaps / pages; null without pages. */
  readonly flapShare: number | null;
  /** Pages that ended in the range (resolved or stale). */
  readonly ended: number;
  /** Of those, ended as stale (the series stopped sending while firing). */
  readonly stale: number;
  /** Pages still firing at the end of the range. */
  readonly stillFiring: number;
  /** Episodes that fired before the range and ended in it: not pages of this range. */
  readonly carriedIn: number;
  readonly escalations: number;
  readonly repeats: number;
  /** Distinct series with an episode of the rule in the range. */
  readonly series: number;
  readonly seriesDays: number;
  /** null when the range is empty. */
  readonly pagesPerSeriesDay: number | null;
  /** Over pages that ended; null when none did. */
  readonly meanFiringMs: number | null;
  readonly p90FiringMs: number | null;
  readonly noisiest: readonly SeriesNoise[];
  /**
   * The rule's keep_firing_for as a duration, taken off episode ends in the `for` estimate; null
   * when not known (given in samples, or the rule is not in the configuration).
   */
  readonly holdMs: number | null;
  readonly whatIf: readonly WhatIfResult[];
}

export interface ReviewOptions {
  readonly range: ReviewRange;
  readonly flapWindowMs: number;
  /** Noisiest series listed per rule. */
  readonly top: number;
  readonly candidates: WhatIfCandidates;
  /** A rule's keep_firing_for as a duration; null when not known. Default: not known. */
  readonly holdMs?: (rule: string) => number | null;
}

/** One review per rule, by rule name. */
export function reviewRules(episodes: Iterable<Episode>, options: ReviewOptions): RuleReview[] {
  const byRule = new Map<string, Episode[]>();
  for (const ep of episodes) {
    let list = byRule.get(ep.rule);
    if (list === undefined) byRule.set(ep.rule, (list = []));
    list.push(ep);
  }
  return [...byRule.keys()].sort().map((rule) => reviewRule(rule, byRule.get(rule)!, options));
}

export function reviewRule(rule: string, episodes: readonly Episode[], o: ReviewOptions): RuleReview {
  const { from, to } = o.range;
  const holdMs = o.holdMs?.(rule) ?? null;
  const pagesBySeverity: Record<string, number> = {};
  const durations: number[] = [];
  const perSeries = new Map<string, { pages: number; flaps: number; firingMs: number }>();
  let pages = 0;
  let flaps = 0;
  let stale = 0;
  let stillFiring = 0;
  let carriedIn = 0;
  let escalations = 0;
  let repeats = 0;
  for (const ep of episodes) {
    let s = perSeries.get(ep.series);
    if (s === undefined) perSeries.set(ep.series, (s = { pages: 0, flaps: 0, firingMs: 0 }));
    if (ep.firedAt === undefined) {
      if (ep.endedAt !== undefined) carriedIn++;
      continue;
    }
    pages++;
    s.pages++;
    escalations += ep.escalations;
    repeats += ep.repeats;
    const severity = ep.firedSeverity ?? '?';
    pagesBySeverity[severity] = (pagesBySeverity[severity] ?? 0) + 1;
    if (ep.endedAt === undefined) {
      stillFiring++;
      s.firingMs += Math.max(0, to - ep.firedAt);
      continue;
    }
    const firing = ep.endedAt - ep.firedAt;
    durations.push(firing);
    s.firingMs += firing;
    if (ep.ending === 'stale') stale++;
    if (firing < o.flapWindowMs) {
      flaps++;
      s.flaps++;
    }
  }
  const days = Math.max(0, to - from) / DAY_MS;
  const seriesDays = perSeries.size * days;
  const noisiest = [...perSeries]
    .map(([series, s]) => ({ series, ...s }))
    .filter((s) => s.pages > 0)
    .sort((a, b) => b.pages - a.pages || b.flaps - a.flaps || b.firingMs - a.firingMs || (a.series < b.series ? -1 : 1))
    .slice(0, o.top);
  return {
    rule,
    pages,
    // Most pages first, then by name: the same document whatever order the events came in.
    pagesBySeverity: Object.fromEntries(Object.entries(pagesBySeverity).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))),
    flaps,
    flapShare: pages > 0 ? flaps / pages : null,
    ended: durations.length,
    stale,
    stillFiring,
    carriedIn,
    escalations,
    repeats,
    series: perSeries.size,
    seriesDays,
    pagesPerSeriesDay: seriesDays > 0 ? pages / seriesDays : null,
    meanFiringMs: durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : null,
    p90FiringMs: quantile(durations, 0.9),
    noisiest,
    holdMs,
    whatIf: whatIf(episodes, to, o.candidates, holdMs),
  };
}

/**
 * The q-quantile by the nearest-rank method: the smallest value with at least q of the values at
 * or below it (so the p90 of ten values is the 9th smallest). It is always one of the durations
 * seen, never an interpolation between two. null for no values.
 */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}
