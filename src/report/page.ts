/**
 * One self-contained HTML report page: summary tables, one chart per series (values, the
 * expected band, pending and firing spans, a marker per alert event), and further tables. The
 * chart library (uPlot) and all data are inlined: the page needs no network when viewed, also
 * from file://. Used by `replay --report`; any command with series to show can build a
 * ReportPage and render it.
 */
import { chartAssets } from './assets.js';
import { escapeHtml, inlineScript, scriptJson } from './html.js';
import { PAGE_SCRIPT } from './page-script.js';
import type { SpanKind } from './span-log.js';

/** A table of figures; cells are preformatted text. */
export interface SummaryTable {
  readonly caption: string;
  /** Column names; empty for a two-column list of facts (label, value). */
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns to right-align (numbers), by index. */
  readonly numeric?: readonly number[];
  /** A line under the table (for example what was left out). */
  readonly note?: string;
}

/** An alert event on a chart. */
export interface ChartMarker {
  /** Unix ms and the value of the sample that produced the event. */
  readonly ts: number;
  readonly value: number;
  /** Draws the marker's shape and colour: fired, severity_changed, repeat, resolved, stale. */
  readonly kind: string;
  /** What the tooltip says: reason, severity, z, value. */
  readonly label: string;
}

/** Points of one chart: equal lengths, times in Unix ms ascending; NaN = no value (a gap). */
export interface ChartPoints {
  readonly ts: ArrayLike<number>;
  readonly value: ArrayLike<number>;
  /** The expected band per point (NaN where the sample was not scored). */
  readonly lo: ArrayLike<number>;
  readonly hi: ArrayLike<number>;
}

export interface ReportChart {
  readonly title: string;
  readonly subtitle?: string;
  /** Lines under the chart: what was decimated or left out. */
  readonly notes?: readonly string[];
  readonly valueLabel?: string;
  readonly points: ChartPoints;
  readonly spans: readonly { readonly kind: SpanKind; readonly from: number; readonly to: number }[];
  readonly markers: readonly ChartMarker[];
  /** A table of this chart's alert events, folded under it. */
  readonly events?: SummaryTable;
}

export interface ReportPage {
  readonly title: string;
  readonly subtitle?: string;
  readonly summaryTables: readonly SummaryTable[];
  readonly charts: readonly ReportChart[];
  /** Tables after the charts (for example the series not plotted). */
  readonly appendixTables?: readonly SummaryTable[];
  /** Lines under the page title. */
  readonly notes?: readonly string[];
}

/** Significant digits of values in the page's data; the band needs fewer. */
const VALUE_DIGITS = 7;
const BAND_DIGITS = 5;

/** The page as one HTML string. */
export function renderReportPage(page: ReportPage): string {
  const assets = chartAssets();
  const data = { charts: page.charts.map((c, i) => chartData(c, i)) };
  const charts = page.charts.map((c, i) => chartFigure(c, i)).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<link rel="icon" href="data:,">
<style>${assets.css}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(page.title)}</h1>
${page.subtitle !== undefined ? `<p class="subtitle">${escapeHtml(page.subtitle)}</p>` : ''}
${(page.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
</header>
<section id="summary">
${page.summaryTables.map(table).join('\n')}
</section>
<section id="charts">
${page.charts.length > 0 ? LEGEND : ''}
${charts}
</section>
${(page.appendixTables ?? []).length > 0 ? `<section id="appendix">\n${page.appendixTables!.map(table).join('\n')}\n</section>` : ''}
<footer>Drawn with uPlot ${escapeHtml(assets.version)} (MIT), inlined: this page loads nothing from the network. Drag across a chart to zoom, double-click to reset.</footer>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${inlineScript(assets.script)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function chartFigure(c: ReportChart, i: number): string {
  return `<figure class="chart" id="chart-${i}">
<figcaption><h2>${escapeHtml(c.title)}</h2>${c.subtitle !== undefined ? `<p>${escapeHtml(c.subtitle)}</p>` : ''}</figcaption>
<div class="plot"></div>
${(c.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
${c.events !== undefined && c.events.rows.length > 0 ? `<details><summary>${escapeHtml(c.events.caption)}</summary>${table({ ...c.events, caption: '' })}</details>` : ''}
</figure>`;
}

function table(t: SummaryTable): string {
  const numeric = new Set(t.numeric ?? []);
  const cell = (tag: string, text: string, i: number) => `<${tag}${numeric.has(i) ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  const head = t.header.length > 0 ? `<thead><tr>${t.header.map((h, i) => cell('th', h, i)).join('')}</tr></thead>` : '';
  const body = t.rows
    .map(
      (r) =>
        `<tr>${r.map((v, i) => (t.header.length === 0 && i === 0 ? `<th scope="row">${escapeHtml(v)}</th>` : cell('td', v, i))).join('')}</tr>`,
    )
    .join('\n');
  return `<table${t.header.length === 0 ? ' class="facts"' : ''}>${t.caption !== '' ? `<caption>${escapeHtml(t.caption)}</caption>` : ''}${head}<tbody>
${body}
</tbody></table>${t.note !== undefined ? `<p class="note">${escapeHtml(t.note)}</p>` : ''}`;
}

/** A chart's data for the page script: times in Unix seconds (uPlot's unit), rounded numbers, null for NaN. */
function chartData(c: ReportChart, i: number) {
  const p = c.points;
  const n = p.ts.length;
  const t = new Array<number>(n);
  const v = new Array<number | null>(n);
  const lo = new Array<number | null>(n);
  const hi = new Array<number | null>(n);
  for (let k = 0; k < n; k++) {
    t[k] = p.ts[k] / 1000;
    v[k] = round(p.value[k], VALUE_DIGITS);
    lo[k] = round(p.lo[k], BAND_DIGITS);
    hi[k] = round(p.hi[k], BAND_DIGITS);
  }
  return {
    id: `chart-${i}`,
    valueLabel: c.valueLabel ?? 'value',
    t,
    v,
    lo,
    hi,
    spans: c.spans.map((s) => [s.kind === 'pending' ? 0 : 1, s.from / 1000, s.to / 1000]),
    markers: c.markers.map((m) => ({ t: m.ts / 1000, v: round(m.value, VALUE_DIGITS), kind: m.kind, label: m.label })),
  };
}

function round(x: number, digits: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : null;
}

const LEGEND = `<p class="legend">
<span><i class="swatch line"></i>value</span>
<span><i class="swatch band"></i>expected band (mean ± z·std of the baseline the rule scored against)</span>
<span><i class="swatch pending"></i>pending (breaching, <code>for</code> not yet met)</span>
<span><i class="swatch firing"></i>firing</span>
<span><i class="mark fired">▲</i>fired</span>
<span><i class="mark severity_changed">◆</i>escalated</span>
<span><i class="mark repeat">●</i>repeat</span>
<span><i class="mark resolved">●</i>resolved</span>
<span><i class="mark stale">■</i>stale</span>
</p>`;

const PAGE_CSS = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 16px 24px 40px; max-width: 1240px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
.subtitle, figcaption p, .note, footer { color: var(--muted); margin: 2px 0; }
section { margin-top: 18px; }
table { border-collapse: collapse; margin: 8px 0 4px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
thead th { font-weight: 600; border-bottom: 2px solid var(--line); }
table.facts th { font-weight: 500; color: var(--muted); }
.num { text-align: right; }
figure.chart { margin: 22px 0 0; padding-top: 10px; border-top: 1px solid var(--line); }
.plot { position: relative; width: 100%; min-height: 300px; }
.tip { position: absolute; display: none; pointer-events: none; z-index: 10; background: #111827; color: #fff; padding: 3px 7px; border-radius: 4px; font-size: 12px; white-space: nowrap; }
details { margin-top: 4px; }
summary { cursor: pointer; color: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; color: var(--muted); margin: 6px 0; }
.legend span { white-space: nowrap; }
.swatch { display: inline-block; width: 16px; height: 10px; margin-right: 5px; vertical-align: middle; }
.swatch.line { height: 2px; background: #1d4ed8; }
.swatch.band { background: rgba(16, 185, 129, 0.25); border-top: 1px dashed #059669; border-bottom: 1px dashed #059669; }
.swatch.pending { background: rgba(245, 158, 11, 0.35); }
.swatch.firing { background: rgba(220, 38, 38, 0.28); }
.mark { font-style: normal; margin-right: 4px; }
.mark.fired { color: #dc2626; } .mark.severity_changed { color: #7c3aed; } .mark.repeat { color: #ea580c; }
.mark.resolved { color: #16a34a; } .mark.stale { color: #6b7280; }
footer { margin-top: 28px; font-size: 12px; }
`;
