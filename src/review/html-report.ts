/**
 * `review --report FILE.html`: the review on the report page of `src/report/` (the one
 * `replay --report` draws): the text output's tables, and for the noisiest series a chart of
 * their episodes over the range — pending and firing spans, a marker per alert event, the value
 * and expected band of each event's sample (the events carry no other samples, so the line joins
 * an episode's events and breaks between episodes).
 */
import { formatDuration } from '../config/duration.js';
import { fmt, fmtDuration } from '../replay/summary.js';
import { renderReportPage, type ReportChart, type SummaryTable } from '../report/page.js';
import type { Episode, Mark } from './episodes.js';
import type { ReviewDocument } from './review.js';
import { isoMinute, percent, quieter, replayedRows, RULE_COLUMNS, ruleRow, whatIfLabel } from './text-report.js';

/** Charts drawn by default (`--report-series`). */
export const DEFAULT_REPORT_SERIES = 6;
/** Rows of a chart's event table. */
const MAX_EVENT_ROWS = 200;

export function renderHtml(doc: ReviewDocument, episodes: Iterable<Episode>, seriesToDraw = DEFAULT_REPORT_SERIES): string {
  const chosen = chartSeries(doc, seriesToDraw);
  const byKey = new Map<string, Episode[]>(chosen.map((c) => [key(c.rule, c.series), []]));
  for (const ep of episodes) byKey.get(key(ep.rule, ep.series))?.push(ep);
  const charts = chosen.map((c) => chart(c.rule, c.series, byKey.get(key(c.rule, c.series))!, doc));
  const listed = doc.rules.reduce((n, r) => n + r.noisiest.length, 0);
  return renderReportPage({
    title: 'sigmawatch alert review',
    subtitle: subtitle(doc),
    notes: [
      'Pages: episodes that fired in the range. Flaps: pages that ended within the flap window of firing. Pages per series-day: per series that alerted on the rule. Firing time: over pages that ended.',
      ...(charts.length < listed ? [`Charts: the ${charts.length} noisiest of the ${listed} series listed.`] : []),
    ],
    summaryTables: [facts(doc), rulesTable(doc), whatIfTable(doc), ...replayedTable(doc)],
    charts,
    appendixTables: [noisiestTable(doc)],
  });
}

const key = (rule: string, series: string) => `${rule}\u0000${series}`;

function subtitle(doc: ReviewDocument): string {
  const { from, to, days } = doc.range;
  const source = 'topic' in doc.source ? `topic ${doc.source.topic}` : doc.source.files.join(', ');
  return from === null || to === null
    ? `${source}: no events in range`
    : `${source}: ${isoMinute(from)} → ${isoMinute(to)} UTC (${days.toFixed(1)} days)`;
}

function facts(doc: ReviewDocument): SummaryTable {
  const { input, totals } = doc;
  const malformed = Object.entries(input.malformed.byReason).map(([reason, r]) => `${reason} ${fmt(r.count)} (first at ${r.first})`);
  return {
    caption: 'Review',
    header: [],
    rows: [
      ['events', fmt(input.events)],
      ['duplicates (counted once)', fmt(input.duplicates)],
      ['outside the range', fmt(input.outOfRange)],
      ['malformed', `${fmt(input.malformed.total)}${malformed.length > 0 ? `: ${malformed.join(', ')}` : ''}`],
      ['flap window', formatDuration(doc.flapWindowMs)],
      ['pages', fmt(totals.pages)],
      ['flaps', fmt(totals.flaps)],
      ['still firing at the end', fmt(totals.stillFiring)],
    ],
  };
}

function rulesTable(doc: ReviewDocument): SummaryTable {
  return { caption: 'Per rule', header: [...RULE_COLUMNS], numeric: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], rows: doc.rules.map(ruleRow) };
}

function whatIfTable(doc: ReviewDocument): SummaryTable {
  const q = quieter(doc.rules);
  return {
    caption: 'What-if: rules that would page less',
    header: ['rule', 'change', 'pages', 'estimate', 'quieter by'],
    numeric: [2, 3, 4],
    rows: q.map(({ rule, pages, result }) => [
      rule,
      whatIfLabel(result),
      fmt(pages),
      fmt(result.pages),
      `${fmt(pages - result.pages)} (${percent((pages - result.pages) / pages)})`,
    ]),
    note:
      q.length === 0
        ? 'No candidate makes any rule quieter.'
        : 'Estimates from the events: a candidate for counts from the first breach (startsAt); keep_firing_for is added to the current hold.',
  };
}

function replayedTable(doc: ReviewDocument): SummaryTable[] {
  if (doc.replayed === null) return [];
  return [
    {
      caption: 'What-if replayed over the samples (exact)',
      header: ['rule', 'change', 'pages as configured', 'pages replayed', 'estimate from events'],
      numeric: [2, 3, 4],
      rows: replayedRows(doc),
      note: `The rules with each candidate, run over ${doc.replayed.files.join(', ')}.`,
    },
  ];
}

function noisiestTable(doc: ReviewDocument): SummaryTable {
  return {
    caption: 'Noisiest series (most pages per rule)',
    header: ['rule', 'series', 'pages', 'flaps', 'time firing'],
    numeric: [2, 3, 4],
    rows: doc.rules.flatMap((r) => r.noisiest.map((s) => [r.rule, s.series, fmt(s.pages), fmt(s.flaps), fmtDuration(s.firingMs)])),
  };
}

/** The series to chart: each rule's noisiest first, then each rule's second, and so on. */
function chartSeries(doc: ReviewDocument, n: number): { rule: string; series: string }[] {
  const out: { rule: string; series: string }[] = [];
  for (let rank = 0; out.length < n; rank++) {
    const at = doc.rules.filter((r) => rank < r.noisiest.length);
    if (at.length === 0) break;
    for (const r of at) if (out.length < n) out.push({ rule: r.rule, series: r.noisiest[rank]!.series });
  }
  return out;
}

function chart(rule: string, series: string, episodes: Episode[], doc: ReviewDocument): ReportChart {
  const from = doc.range.from!;
  const to = doc.range.to!;
  episodes.sort((a, b) => a.startsAt - b.startsAt);
  const ts: number[] = [];
  const value: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const spans: ReportChart['spans'][number][] = [];
  const marks: Mark[] = [];
  let pages = 0;
  for (const ep of episodes) {
    if (ep.firedAt !== undefined) pages++;
    const fired = ep.firedAt ?? from;
    const end = ep.endedAt ?? to;
    if (ep.firedAt !== undefined && ep.startsAt < ep.firedAt)
      spans.push({ kind: 'pending', from: Math.max(from, ep.startsAt), to: ep.firedAt });
    spans.push({ kind: 'firing', from: fired, to: end });
    const own = [...(ep.marks ?? [])].sort((a, b) => a.ts - b.ts);
    for (const m of own) {
      // Keep time ascending across episodes whose events interleave (a rearm starts one while the last resolves).
      if (ts.length > 0 && m.ts < ts[ts.length - 1]!) continue;
      ts.push(m.ts);
      value.push(m.value);
      lo.push(m.lo);
      hi.push(m.hi);
      marks.push(m);
    }
    // No line from one episode's last event to the next one's first: nothing is known in between.
    if (own.length > 0) {
      ts.push(ts[ts.length - 1]!);
      value.push(NaN);
      lo.push(NaN);
      hi.push(NaN);
    }
  }
  const shown = marks.slice(-MAX_EVENT_ROWS);
  return {
    title: series,
    subtitle: `rule ${rule}: ${fmt(pages)} page${pages === 1 ? '' : 's'}, ${fmt(marks.length)} events`,
    valueLabel: 'value at the event',
    points: { ts, value, lo, hi },
    spans,
    markers: marks.map((m) => ({ ts: m.ts, value: m.value, kind: m.reason, label: m.label })),
    events: {
      caption: `${fmt(marks.length)} alert events${shown.length < marks.length ? ` (the last ${shown.length} listed)` : ''}`,
      header: ['time (UTC)', 'event'],
      rows: shown.map((m) => [new Date(m.ts).toISOString().replace('T', ' ').replace('Z', ''), m.label]),
    },
  };
}
