/**
 * The review as aligned text tables (the default output), in the style of replay's summary.
 */
import { formatDuration } from '../config/duration.js';
import { fmt, fmtDuration } from '../replay/summary.js';
import type { ReviewDocument } from './review.js';
import type { RuleReview } from './stats.js';
import type { WhatIfResult } from './what-if.js';

/** The per-rule table's columns (text and HTML alike); see ruleRow. */
export const RULE_COLUMNS: readonly string[] = [
  'rule',
  'pages',
  'flaps',
  'flap share',
  'pages/series-day',
  'mean firing',
  'p90 firing',
  'still firing',
  'series',
  'escalations',
  'repeats',
  'by severity',
];

/** One rule's row of the per-rule table, as RULE_COLUMNS names them (pages by severity, most first). */
export function ruleRow(r: RuleReview): string[] {
  return [
    r.rule,
    fmt(r.pages),
    fmt(r.flaps),
    percent(r.flapShare),
    rate(r.pagesPerSeriesDay),
    duration(r.meanFiringMs),
    duration(r.p90FiringMs),
    fmt(r.stillFiring),
    fmt(r.series),
    fmt(r.escalations),
    fmt(r.repeats),
    Object.entries(r.pagesBySeverity)
      .sort((a, b) => b[1] - a[1])
      .map(([s, n]) => `${s} ${fmt(n)}`)
      .join(', '),
  ];
}

/** Left-aligned columns are named here; every other column is right-aligned (numbers). */
export function table(header: readonly string[], rows: readonly (readonly string[])[], left: ReadonlySet<number>, indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    (indent + r.map((cell, i) => (left.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).trimEnd();
  return [line(header), ...rows.map(line)];
}

export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function percent(share: number | null): string {
  return share === null ? '-' : `${(100 * share).toFixed(1)}%`;
}

export function rate(x: number | null): string {
  return x === null ? '-' : x >= 10 ? x.toFixed(1) : x.toFixed(3);
}

export function duration(ms: number | null): string {
  return ms === null ? '-' : fmtDuration(ms);
}

export function whatIfLabel(w: WhatIfResult): string {
  return w.kind === 'for' ? `for: ${formatDuration(w.ms)}` : `keep_firing_for: +${formatDuration(w.ms)}`;
}

/** The candidates that would have paged less. */
export function quieter(rules: readonly RuleReview[]): { rule: string; pages: number; result: WhatIfResult }[] {
  const out: { rule: string; pages: number; result: WhatIfResult }[] = [];
  for (const r of rules) for (const w of r.whatIf) if (w.pages < r.pages) out.push({ rule: r.rule, pages: r.pages, result: w });
  // By rule, then as the candidates were given: for before keep_firing_for, shortest first.
  const kind = (w: WhatIfResult) => (w.kind === 'for' ? 0 : 1);
  return out.sort((a, b) =>
    a.rule !== b.rule ? (a.rule < b.rule ? -1 : 1) : kind(a.result) - kind(b.result) || a.result.ms - b.result.ms,
  );
}

function sourceLine(doc: ReviewDocument): string {
  if ('topic' in doc.source) return `topic ${doc.source.topic}`;
  const n = doc.source.files.length;
  return `${n} file${n === 1 ? '' : 's'}`;
}

export function formatText(doc: ReviewDocument): string {
  const lines: string[] = [];
  const { range, input } = doc;
  const span =
    range.from === null || range.to === null
      ? 'no events in range'
      : `${isoMinute(range.from)} → ${isoMinute(range.to)} UTC (${range.days.toFixed(1)} days${range.since === null && range.until === null ? ', first to last event' : ''})`;
  lines.push(`review: ${fmt(input.events)} events from ${sourceLine(doc)}, ${span}`);
  const notes: string[] = [];
  if (input.duplicates > 0) notes.push(`${fmt(input.duplicates)} duplicates counted once`);
  if (input.outOfRange > 0) notes.push(`${fmt(input.outOfRange)} outside the range`);
  notes.push(`${fmt(input.malformed.total)} malformed`);
  lines.push(`  input: ${notes.join(', ')}`);
  for (const [reason, r] of Object.entries(input.malformed.byReason).sort((a, b) => b[1].count - a[1].count)) {
    lines.push(`    ${reason.padEnd(18)} ${fmt(r.count).padStart(9)}   first at ${r.first}`);
  }
  const t = doc.totals;
  lines.push(
    `  pages: ${fmt(t.pages)}, flaps: ${fmt(t.flaps)} (ended within ${formatDuration(doc.flapWindowMs)} of firing), still firing at the end: ${fmt(t.stillFiring)}`,
  );
  if (doc.rules.length === 0) return lines.join('\n');

  lines.push('', 'per rule (pages/series-day: per series that alerted on the rule; firing time over pages that ended)');
  lines.push(...table(RULE_COLUMNS, doc.rules.map(ruleRow), new Set([0, 11])));
  const carried = doc.rules.reduce((n, r) => n + r.carriedIn, 0);
  if (carried > 0) lines.push(`  (${fmt(carried)} episodes fired before the range and ended in it: not counted as pages)`);

  const noisy = doc.rules.flatMap((r) => r.noisiest.map((s) => ({ rule: r.rule, ...s })));
  if (noisy.length > 0) {
    lines.push('', 'noisiest series (most pages per rule)');
    lines.push(
      ...table(
        ['rule', 'series', 'pages', 'flaps', 'time firing'],
        noisy.map((s) => [s.rule, s.series, fmt(s.pages), fmt(s.flaps), fmtDuration(s.firingMs)]),
        new Set([0, 1]),
      ),
    );
  }

  lines.push('', 'what-if (estimates from the events: for counts from the first breach; keep_firing_for adds to the current hold)');
  const unknownHold = doc.rules.filter((r) => r.holdMs === null && r.pages > 0).map((r) => r.rule);
  if (unknownHold.length > 0 && doc.whatIf.forMs.length > 0)
    lines.push(
      `  (${unknownHold.join(', ')}: keep_firing_for not known as a duration, so the for estimates count the hold as breach and may show no saving; --samples replays exactly)`,
    );
  const q = quieter(doc.rules);
  if (q.length === 0) {
    const tried = [
      ...doc.whatIf.forMs.map((ms) => whatIfLabel({ kind: 'for', ms, pages: 0 })),
      ...doc.whatIf.keepFiringForMs.map((ms) => whatIfLabel({ kind: 'keep_firing_for', ms, pages: 0 })),
    ];
    lines.push(`  no rule would be quieter with ${tried.length > 0 ? tried.join(', ') : 'no candidates given'}`);
  } else {
    lines.push(
      ...table(
        ['rule', 'change', 'pages', 'estimate', 'quieter by'],
        q.map(({ rule, pages, result }) => [
          rule,
          whatIfLabel(result),
          fmt(pages),
          fmt(result.pages),
          `${fmt(pages - result.pages)} (${percent((pages - result.pages) / pages)})`,
        ]),
        new Set([0, 1]),
      ),
    );
  }
  if (doc.replayed !== null) lines.push('', ...formatReplayed(doc));
  return lines.join('\n');
}

/** The exact what-if next to the estimate, every candidate of every rule. */
export function replayedRows(doc: ReviewDocument): string[][] {
  const estimates = new Map(doc.rules.map((r) => [r.rule, r.whatIf]));
  return doc.replayed!.rules.flatMap((r) =>
    r.whatIf.map((w) => {
      const estimate = estimates.get(r.rule)?.find((e) => e.kind === w.kind && e.ms === w.ms);
      return [
        r.rule,
        whatIfLabel({ kind: w.kind, ms: w.ms, pages: 0 }),
        fmt(r.pages),
        w.pages === null ? 'n/a (hold in samples)' : fmt(w.pages),
        estimate === undefined ? '-' : fmt(estimate.pages),
      ];
    }),
  );
}

function formatReplayed(doc: ReviewDocument): string[] {
  const r = doc.replayed!;
  const n = r.files.length;
  return [
    `what-if replayed: the rules with each candidate run over ${n} sample file${n === 1 ? '' : 's'}${r.rowsRejected > 0 ? ` (${fmt(r.rowsRejected)} rows skipped over all runs)` : ''}; pages = fired in the range`,
    ...table(['rule', 'change', 'pages as configured', 'pages replayed', 'estimate from events'], replayedRows(doc), new Set([0, 1])),
  ];
}
