/**
 * What a replay saw: rows, series, rejected rows by reason (with the first few locations), and
 * alert quality per rule and severity (episodes fired, resolved, flaps, mean duration). This is
 * the readout for tuning thresholds on history before deploying them.
 */
import type { EngineAlert } from '../engine/batch-result.js';
import type { DeadLetterReason } from '../codec/dead-letter.js';
import type { RowRejectReason } from './reader.js';
import type { SummaryTable } from '../report/page.js';

/** Why a row was skipped: something only a file gets wrong, or what the decoder says of the record. */
export type RejectReason = RowRejectReason | DeadLetterReason;

interface AlertCounts {
  fired: number;
  escalated: number;
  repeated: number;
  resolved: number;
  flaps: number;
  durationMs: number;
}

/** Rejected rows reported one by one before the rest are only counted. */
export const REPORTED_REJECTS = 20;

export class ReplaySummary {
  rows = 0;
  readonly rejected = new Map<RejectReason, { count: number; first: string }>();
  private readonly alerts = new Map<string, AlertCounts>();

  constructor(private readonly flapWindowMs: number) {}

  reject(reason: RejectReason, where: string): void {
    const r = this.rejected.get(reason);
    if (r === undefined) this.rejected.set(reason, { count: 1, first: where });
    else r.count++;
  }

  get rejectedTotal(): number {
    let n = 0;
    for (const r of this.rejected.values()) n += r.count;
    return n;
  }

  alert({ event: a, firedAt, flap }: EngineAlert): void {
    const key = `${a.rule}\u0000${a.severity}`;
    let c = this.alerts.get(key);
    if (c === undefined) {
      c = { fired: 0, escalated: 0, repeated: 0, resolved: 0, flaps: 0, durationMs: 0 };
      this.alerts.set(key, c);
    }
    if (a.reason === 'fired') c.fired++;
    else if (a.reason === 'severity_changed') c.escalated++;
    else if (a.reason === 'repeat') c.repeated++;
    else {
      c.resolved++;
      c.durationMs += (a.endsAt ?? a.ts) - firedAt;
      if (flap) c.flaps++;
    }
  }

  get totals(): { fired: number; resolved: number; flaps: number } {
    let fired = 0;
    let resolved = 0;
    let flaps = 0;
    for (const c of this.alerts.values()) {
      fired += c.fired;
      resolved += c.resolved;
      flaps += c.flaps;
    }
    return { fired, resolved, flaps };
  }

  /** The human summary, several lines. */
  format(o: RunFigures): string {
    const lines: string[] = [];
    const rate = o.seconds > 0 ? Math.round(this.rows / o.seconds) : 0;
    lines.push(
      `replay: ${o.files} file${o.files === 1 ? '' : 's'}, ${fmt(this.rows)} rows in ${o.seconds.toFixed(2)} s (${fmt(rate)} rows/s)`,
    );
    lines.push(`  series: ${fmt(o.series)}${o.refused > 0 ? ` (refused beyond store.max_series: ${fmt(o.refused)} samples)` : ''}`);
    lines.push(`  rows rejected: ${fmt(this.rejectedTotal)}`);
    for (const [reason, r] of [...this.rejected].sort((a, b) => b[1].count - a[1].count)) {
      lines.push(`    ${reason.padEnd(18)} ${fmt(r.count).padStart(9)}   first at ${r.first}`);
    }
    const t = this.totals;
    lines.push(
      `  alerts: ${fmt(t.fired)} fired, ${fmt(t.resolved)} resolved, ${fmt(t.flaps)} flaps (resolved within ${fmtDuration(this.flapWindowMs)}), ${fmt(o.stillFiring)} still firing at the end`,
    );
    const seriesDays = (o.series * o.spanMs) / 86_400_000;
    if (seriesDays > 0)
      lines.push(
        `  pages per series-day: ${(t.fired / seriesDays).toFixed(3)} (${fmt(t.fired)} fired over ${fmt(o.series)} series × ${(o.spanMs / 86_400_000).toFixed(1)} days)`,
      );
    lines.push(`  breaches held back by \`for\`: ${fmt(o.heldBack)} (cleared before they had lasted long enough to fire)`);
    if (this.alerts.size > 0) {
      const { header, rows } = this.ruleTable();
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (r: string[]) => '    ' + r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
      lines.push(line(header));
      for (const r of rows) lines.push(line(r));
    }
    return lines.join('\n');
  }

  /**
   * The same figures as format(), as tables for the report page: the run's facts, rejected rows
   * by reason, and alerts per rule and severity.
   */
  tables(o: RunFigures): SummaryTable[] {
    const t = this.totals;
    const rate = o.seconds > 0 ? Math.round(this.rows / o.seconds) : 0;
    const seriesDays = (o.series * o.spanMs) / 86_400_000;
    const facts: string[][] = [
      ['files', fmt(o.files)],
      ['rows', `${fmt(this.rows)} in ${o.seconds.toFixed(2)} s (${fmt(rate)} rows/s)`],
      ['series', `${fmt(o.series)}${o.refused > 0 ? ` (refused beyond store.max_series: ${fmt(o.refused)} samples)` : ''}`],
      ['rows rejected', fmt(this.rejectedTotal)],
      [
        'alerts',
        `${fmt(t.fired)} fired, ${fmt(t.resolved)} resolved, ${fmt(t.flaps)} flaps (resolved within ${fmtDuration(this.flapWindowMs)}), ${fmt(o.stillFiring)} still firing at the end`,
      ],
    ];
    if (seriesDays > 0)
      facts.push([
        'pages per series-day',
        `${(t.fired / seriesDays).toFixed(3)} (${fmt(t.fired)} fired over ${fmt(o.series)} series × ${(o.spanMs / 86_400_000).toFixed(1)} days)`,
      ]);
    facts.push(['breaches held back by `for`', `${fmt(o.heldBack)} (cleared before they had lasted long enough to fire)`]);
    const tables: SummaryTable[] = [{ caption: 'Replay', header: [], rows: facts }];
    if (this.rejected.size > 0)
      tables.push({
        caption: 'Rows rejected',
        header: ['reason', 'rows', 'first at'],
        rows: [...this.rejected].sort((a, b) => b[1].count - a[1].count).map(([reason, r]) => [reason, fmt(r.count), r.first]),
        numeric: [1],
      });
    if (this.alerts.size > 0) tables.push({ caption: 'Alerts per rule and severity', ...this.ruleTable(), numeric: [2, 3, 4, 5, 6, 7] });
    return tables;
  }

  private ruleTable(): { header: string[]; rows: string[][] } {
    const header = ['rule', 'severity', 'fired', 'escalated', 'repeats', 'resolved', 'flaps', 'mean duration'];
    const rows = [...this.alerts].sort().map(([key, c]) => {
      const [rule, severity] = key.split('\u0000');
      return [
        rule!,
        severity!,
        fmt(c.fired),
        fmt(c.escalated),
        fmt(c.repeated),
        fmt(c.resolved),
        fmt(c.flaps),
        c.resolved > 0 ? fmtDuration(c.durationMs / c.resolved) : '-',
      ];
    });
    return { header, rows };
  }
}

/** What the run knows beyond the summary's counts. */
export interface RunFigures {
  files: number;
  series: number;
  refused: number;
  seconds: number;
  stillFiring: number;
  heldBack: number;
  spanMs: number;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m${s}s` : `${s}s`;
}
