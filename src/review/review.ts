/**
 * One review: events in (from files or the alerts topic), filtered to the time range, folded into
 * episodes; out the document every output format renders (`--json` prints it as is).
 */
import type { AlertEvent } from '../codec/alerts.js';
import { EpisodeBook } from './episodes.js';
import type { EventSink } from './event-input.js';
import { Rejects, type RejectCount, type ReviewRejectReason } from './rejects.js';
import { reviewRules, type RuleReview } from './stats.js';
import type { ReplayedWhatIf } from './replayed-what-if.js';
import type { WhatIfCandidates } from './what-if.js';

export interface ReviewDocument {
  /** Where the events came from: the files, or the topic. */
  readonly source: { readonly files: readonly string[] } | { readonly topic: string };
  readonly range: {
    /** As asked (--since / --until), Unix ms; null when not given. */
    readonly since: number | null;
    readonly until: number | null;
    /** The range reviewed: as asked, else the first / last event's ts; null without events. */
    readonly from: number | null;
    readonly to: number | null;
    readonly days: number;
  };
  readonly flapWindowMs: number;
  readonly whatIf: WhatIfCandidates;
  readonly input: {
    /** Distinct events in the range. */
    readonly events: number;
    /** Events delivered more than once (same id, reason and ts), counted once. */
    readonly duplicates: number;
    /** Events outside the range, not reviewed. */
    readonly outOfRange: number;
    readonly malformed: { readonly total: number; readonly byReason: Readonly<Partial<Record<ReviewRejectReason, RejectCount>>> };
  };
  readonly totals: { readonly pages: number; readonly flaps: number; readonly stillFiring: number };
  /** By rule name. */
  readonly rules: readonly RuleReview[];
  /** The exact what-if over --samples; null without them. */
  readonly replayed: ReplayedWhatIf | null;
}

export interface CollectorOptions {
  /** Unix ms; events with ts before since or at / after until are out of range. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Keep every event's value and band for the report's charts. */
  readonly keepMarks?: boolean;
  /** Told of each malformed input as it is counted (the CLI prints the first few). */
  readonly onReject?: (reason: ReviewRejectReason, where: string, detail: string, total: number) => void;
}

export class ReviewCollector implements EventSink {
  readonly book: EpisodeBook;
  readonly rejects = new Rejects();
  outOfRange = 0;
  private first = Infinity;
  private last = -Infinity;

  constructor(private readonly options: CollectorOptions = {}) {
    this.book = new EpisodeBook(options.keepMarks === true);
  }

  event(e: AlertEvent): void {
    const { since, until } = this.options;
    if ((since !== undefined && e.ts < since) || (until !== undefined && e.ts >= until)) {
      this.outOfRange++;
      return;
    }
    if (e.ts < this.first) this.first = e.ts;
    if (e.ts > this.last) this.last = e.ts;
    this.book.add(e);
  }

  reject(reason: ReviewRejectReason, where: string, detail: string): void {
    const total = this.rejects.add(reason, where);
    this.options.onReject?.(reason, where, detail, total);
  }

  get pages(): number {
    let n = 0;
    for (const ep of this.book.all()) if (ep.firedAt !== undefined) n++;
    return n;
  }

  finish(o: {
    source: ReviewDocument['source'];
    flapWindowMs: number;
    top: number;
    candidates: WhatIfCandidates;
    /** A rule's current keep_firing_for as a duration, null when not known (stats.ts). */
    holdMs?: (rule: string) => number | null;
  }): ReviewDocument {
    const since = this.options.since ?? null;
    const until = this.options.until ?? null;
    const seen = this.book.events > 0;
    const from = since ?? (seen ? this.first : null);
    const to = until ?? (seen ? this.last : null);
    const rules =
      from === null || to === null
        ? []
        : reviewRules(this.book.all(), {
            range: { from, to },
            flapWindowMs: o.flapWindowMs,
            top: o.top,
            candidates: o.candidates,
            holdMs: o.holdMs,
          });
    const totals = { pages: 0, flaps: 0, stillFiring: 0 };
    for (const r of rules) {
      totals.pages += r.pages;
      totals.flaps += r.flaps;
      totals.stillFiring += r.stillFiring;
    }
    return {
      source: o.source,
      range: { since, until, from, to, days: from === null || to === null ? 0 : Math.max(0, to - from) / 86_400_000 },
      flapWindowMs: o.flapWindowMs,
      whatIf: o.candidates,
      input: {
        events: this.book.events,
        duplicates: this.book.duplicates,
        outOfRange: this.outOfRange,
        malformed: { total: this.rejects.total, byReason: Object.fromEntries(this.rejects.byReason) },
      },
      totals,
      rules,
      replayed: null,
    };
  }
}
