/**
 * What other `for` / `keep_firing_for` values would have paged, estimated from the events alone.
 *
 * - `for: X` — an alert fires once its breach has held X since it became pending (`startsAt`).
 *   The events show when an episode began and ended, not when its breach stopped holding: the
 *   end came the rule's keep_firing_for after it. When that hold is known as a duration (the
 *   configuration names the rule and gives its keep_firing_for in time, or 0), it is taken off
 *   the end; when it is not (a number of samples, the default), the hold counts as breach. An
 *   episode counts as a page under X when its breach lasted X or more (still firing ones: up to
 *   the end of the range). Either way this over-counts pages an X would have stopped — a breach
 *   may have paused within the episode — so the estimated saving is a lower bound, and a loose
 *   one with a long hold in samples (`--samples` replays exactly). An X no longer than the current
 *   `for` changes nothing seen (breaches the current `for` held back sent no event).
 * - `keep_firing_for: +Y` — holding each alert Y longer after its condition clears: an episode
 *   of the same series and rule that became pending less than Y after the previous one ended
 *   would have been that episode still firing, not a new page. Y is added to the rule's current
 *   hold (whose length in time the events do not carry).
 */
import type { Episode } from './episodes.js';

export interface WhatIfCandidates {
  /** Candidate `for` durations, ms. */
  readonly forMs: readonly number[];
  /** Candidate extra `keep_firing_for`, ms. */
  readonly keepFiringForMs: readonly number[];
}

export interface WhatIfResult {
  readonly kind: 'for' | 'keep_firing_for';
  readonly ms: number;
  /** Estimated pages with the candidate. */
  readonly pages: number;
}

/**
 * One result per candidate, for the episodes of one rule; `end` is the end of the range, `holdMs`
 * the rule's current keep_firing_for when known as a duration (null: not known).
 */
export function whatIf(episodes: readonly Episode[], end: number, c: WhatIfCandidates, holdMs: number | null = 0): WhatIfResult[] {
  const out: WhatIfResult[] = [];
  for (const ms of c.forMs) out.push({ kind: 'for', ms, pages: pagesWithFor(episodes, end, ms, holdMs ?? 0) });
  if (c.keepFiringForMs.length > 0) {
    const bySeries = episodesBySeries(episodes);
    for (const ms of c.keepFiringForMs) out.push({ kind: 'keep_firing_for', ms, pages: pagesWithHold(bySeries, ms) });
  }
  return out;
}

export function pagesWithFor(episodes: readonly Episode[], end: number, forMs: number, holdMs = 0): number {
  let pages = 0;
  for (const ep of episodes) {
    if (ep.firedAt === undefined) continue;
    // The breach held at least until it fired, and at most until the hold began.
    const breachEnd = ep.endedAt === undefined ? end : Math.max(ep.firedAt, ep.endedAt - holdMs);
    if (breachEnd - ep.startsAt >= forMs) pages++;
  }
  return pages;
}

/** Each series' episodes by startsAt. */
function episodesBySeries(episodes: readonly Episode[]): Episode[][] {
  const m = new Map<string, Episode[]>();
  for (const ep of episodes) {
    let list = m.get(ep.series);
    if (list === undefined) m.set(ep.series, (list = []));
    list.push(ep);
  }
  const out = [...m.values()];
  for (const list of out) list.sort((a, b) => a.startsAt - b.startsAt);
  return out;
}

/**
 * Pages once every episode beginning within `holdMs` of the previous one's end is merged into it.
 * An episode that fired before the range (not a page itself) still absorbs one that follows it.
 */
export function pagesWithHold(bySeries: readonly (readonly Episode[])[], holdMs: number): number {
  let pages = 0;
  for (const list of bySeries) {
    // End of the merged episode so far: undefined before the first, +Infinity while it still fires.
    let mergedEnd: number | undefined;
    for (const ep of list) {
      const merges = mergedEnd !== undefined && ep.startsAt - mergedEnd < holdMs;
      if (!merges && ep.firedAt !== undefined) pages++;
      const end = ep.endedAt ?? Infinity;
      mergedEnd = merges ? Math.max(mergedEnd!, end) : end;
    }
  }
  return pages;
}
