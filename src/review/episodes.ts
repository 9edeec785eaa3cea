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
}

export class EpisodeBook {
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
      };
      this.episodes.set(e.id, ep);
    }
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
