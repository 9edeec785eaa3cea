/**
 * Alert events folded into firing episodes: one per alert id (series + rule + startsAt), whatever
 * order the events arrive in (files concatenated, partitions interleaved) and however often one
 * is delivered (the alerts topic is at-least-once: a re-sent event carries the same id, reason
 * and time, and is counted once).
 *
 * An episode knows when it fired (the `fired` event's ts) and when it ended (`endsAt` of its
 * `resolved` or `stale` event), either of which may lie outside what was read.
 */
import type { AlertEvent } from '../codec/alerts.js';

export interface Episode {
  readonly id: string;
  readonly rule: string;
  readonly series: string;
  /** The first breaching sample (before `for` held): Prometheus' activeAt. */
  readonly startsAt: number;
  /** Time of the `fired` event; undefined when it was not read (the episode fired before the range). */
  firedAt: number | undefined;
  /** Severity the episode fired with. */
  firedSeverity: string | undefined;
  /** `endsAt` of the `resolved` or `stale` event; undefined while still firing. */
  endedAt: number | undefined;
  /** How it ended: `resolved`, or `stale` (the series stopped sending while firing). */
  ending: 'resolved' | 'stale' | undefined;
  escalations: number;
  repeats: number;
  /** The episode's events for a chart, kept only when the book is asked to (`--report`). */
  marks: Mark[] | undefined;
}

/** One event as a chart draws it: where, what, and the expected band of its sample. */
export interface Mark {
  readonly ts: number;
  readonly value: number;
  /** mean ∓ threshold × std of the baseline the sample was scored against; NaN when not sent. */
  readonly lo: number;
  readonly hi: number;
  readonly reason: string;
  readonly label: string;
}

/** Events kept per episode for its chart (a long episode repeats); further ones are not drawn. */
export const MAX_MARKS_PER_EPISODE = 100;

export class EpisodeBook {
  /** @param keepMarks keep each event's value and band for charts (memory: one small object per event). */
  constructor(private readonly keepMarks = false) {}

  private readonly episodes = new Map<string, Episode>();
  /** `id reason ts` of every event folded, so a re-delivered event is counted once. */
  private readonly seen = new Set<string>();
  events = 0;
  duplicates = 0;

  add(e: AlertEvent): void {
    const key = `${e.id} ${e.reason ?? e.status} ${e.ts}`;
    if (this.seen.has(key)) {
      this.duplicates++;
      return;
    }
    this.seen.add(key);
    this.events++;
    let ep = this.episodes.get(e.id);
    if (ep === undefined) {
      ep = {
        id: e.id,
        rule: e.rule,
        series: e.series,
        startsAt: e.startsAt,
        firedAt: undefined,
        firedSeverity: undefined,
        endedAt: undefined,
        ending: undefined,
        escalations: 0,
        repeats: 0,
        marks: this.keepMarks ? [] : undefined,
      };
      this.episodes.set(e.id, ep);
    }
    if (ep.marks !== undefined && ep.marks.length < MAX_MARKS_PER_EPISODE) ep.marks.push(markOf(e));
    // Events written before `reason` existed carry only the status: firing = fired.
    const reason = e.reason ?? (e.status === 'firing' ? 'fired' : 'resolved');
    switch (reason) {
      case 'fired':
        if (ep.firedAt === undefined || e.ts < ep.firedAt) {
          ep.firedAt = e.ts;
          ep.firedSeverity = e.severity;
        }
        break;
      case 'severity_changed':
        ep.escalations++;
        break;
      case 'repeat':
        ep.repeats++;
        break;
      case 'resolved':
      case 'stale': {
        const end = e.endsAt ?? e.ts;
        if (ep.endedAt === undefined || end < ep.endedAt) {
          ep.endedAt = end;
          ep.ending = reason;
        }
        break;
      }
    }
  }

  get size(): number {
    return this.episodes.size;
  }

  all(): IterableIterator<Episode> {
    return this.episodes.values();
  }
}

function markOf(e: AlertEvent): Mark {
  const band = e.threshold !== undefined && Number.isFinite(e.std) ? e.threshold * e.std : NaN;
  const reason = e.reason ?? (e.status === 'firing' ? 'fired' : 'resolved');
  return {
    ts: e.ts,
    value: e.value,
    lo: e.mean - band,
    hi: e.mean + band,
    reason,
    label: `${reason} ${e.severity} z=${Number.isFinite(e.z) ? e.z.toFixed(1) : '-'} value=${e.value}`,
  };
}
