/**
 * The review as one self-contained HTML page (`--report FILE.html`): the tables of the text
 * output and bar charts drawn here as inline SVG, so the page needs no script and no network.
 */
import { formatDuration } from '../config/duration.js';
import { fmt, fmtDuration } from '../replay/summary.js';
import type { ReviewDocument } from './review.js';
import { duration, isoMinute, percent, quieter, rate, whatIfLabel } from './text-report.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

interface Bar {
  readonly label: string;
  /** Stacked segments, each drawn in its class's colour. */
  readonly parts: readonly { readonly value: number; readonly cls: string; readonly title: string }[];
  readonly text: string;
}

const ROW = 22;
const LABEL_W = 300;
const BAR_W = 420;

/** Horizontal bars, one row per bar, scaled to the largest total. */
export function barChart(title: string, bars: readonly Bar[]): string {
  const max = Math.max(1, ...bars.map((b) => b.parts.reduce((n, p) => n + p.value, 0)));
  const height = bars.length * ROW + 8;
  const rows = bars.map((b, i) => {
    const y = i * ROW + 4;
    let x = LABEL_W;
    const rects = b.parts.map((p) => {
      const w = (p.value / max) * BAR_W;
      const r = `<rect class="${p.cls}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 6}"><title>${esc(p.title)}</title></rect>`;
      x += w;
      return r;
    });
    const label = b.label.length > 46 ? `${b.label.slice(0, 45)}…` : b.label;
    return (
      `<text x="${LABEL_W - 6}" y="${y + ROW - 10}" text-anchor="end"><title>${esc(b.label)}</title>${esc(label)}</text>` +
      rects.join('') +
      `<text x="${(x + 4).toFixed(1)}" y="${y + ROW - 10}">${esc(b.text)}</text>`
    );
  });
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" width="${LABEL_W + BAR_W + 140}" height="${height}">${rows.join('')}</svg></figure>`;
}

function htmlTable(header: readonly string[], rows: readonly (readonly string[])[], left: ReadonlySet<number>): string {
  const cell = (tag: string, text: string, i: number) => `<${tag}${left.has(i) ? '' : ' class="n"'}>${esc(text)}</${tag}>`;
  return `<table><thead><tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
th.n,td.n{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}
svg text{font-size:12px;fill:#333}rect.page{fill:#4a7ab5}rect.flap{fill:#e08a2c}rect.kept{fill:#4a7ab5}rect.saved{fill:#bbb}
.note{color:#666}`;

export function renderHtml(doc: ReviewDocument): string {
  const { range, input } = doc;
  const parts: string[] = [];
  const span =
    range.from === null || range.to === null
      ? 'no events in range'
      : `${isoMinute(range.from)} → ${isoMinute(range.to)} UTC (${range.days.toFixed(1)} days)`;
  const source = 'topic' in doc.source ? `topic ${doc.source.topic}` : doc.source.files.join(', ');
  parts.push(`<h1>sigmawatch alert review</h1>`);
  parts.push(
    `<p>${esc(fmt(input.events))} events from ${esc(source)}, ${esc(span)}. Pages ${esc(fmt(doc.totals.pages))}, flaps ${esc(fmt(doc.totals.flaps))} (ended within ${esc(formatDuration(doc.flapWindowMs))} of firing), still firing at the end ${esc(fmt(doc.totals.stillFiring))}.</p>`,
  );
  parts.push(
    `<p class="note">Input: ${esc(fmt(input.duplicates))} duplicates counted once, ${esc(fmt(input.outOfRange))} outside the range, ${esc(fmt(input.malformed.total))} malformed${Object.entries(
      input.malformed.byReason,
    )
      .map(([reason, r]) => ` — ${reason}: ${fmt(r.count)}, first at ${r.first}`)
      .map(esc)
      .join('')}.</p>`,
  );
  if (doc.rules.length > 0) {
    parts.push('<h2>Per rule</h2>');
    parts.push(
      barChart(
        'Pages per rule (orange: flaps)',
        doc.rules.map((r) => ({
          label: r.rule,
          parts: [
            { value: r.pages - r.flaps, cls: 'page', title: `${r.pages - r.flaps} pages that lasted` },
            { value: r.flaps, cls: 'flap', title: `${r.flaps} flaps` },
          ],
          text: `${fmt(r.pages)} (${percent(r.flapShare)} flaps)`,
        })),
      ),
    );
    parts.push(
      htmlTable(
        [
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
        ],
        doc.rules.map((r) => [
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
        ]),
        new Set([0]),
      ),
    );
    parts.push('<p class="note">Pages per series-day: per series that alerted on the rule. Firing time: over pages that ended.</p>');
    parts.push('<h2>Noisiest series</h2>');
    for (const r of doc.rules) {
      if (r.noisiest.length === 0) continue;
      parts.push(
        barChart(
          `${r.rule}: most pages (orange: flaps)`,
          r.noisiest.map((s) => ({
            label: s.series,
            parts: [
              { value: s.pages - s.flaps, cls: 'page', title: `${s.pages - s.flaps} pages that lasted` },
              { value: s.flaps, cls: 'flap', title: `${s.flaps} flaps` },
            ],
            text: `${fmt(s.pages)}, firing ${fmtDuration(s.firingMs)}`,
          })),
        ),
      );
    }
    parts.push('<h2>What-if</h2>');
    parts.push(
      '<p class="note">Estimates from the events: a candidate <code>for</code> counts from the first breach (startsAt); <code>keep_firing_for</code> is added to the current hold.</p>',
    );
    const q = quieter(doc.rules);
    if (q.length === 0) parts.push('<p>No candidate makes any rule quieter.</p>');
    else {
      parts.push(
        barChart(
          'Estimated pages with each candidate (grey: pages saved)',
          q.map(({ rule, pages, result }) => ({
            label: `${rule} · ${whatIfLabel(result)}`,
            parts: [
              { value: result.pages, cls: 'kept', title: `${result.pages} pages` },
              { value: pages - result.pages, cls: 'saved', title: `${pages - result.pages} fewer` },
            ],
            text: `${fmt(pages)} → ${fmt(result.pages)} (−${percent((pages - result.pages) / pages)})`,
          })),
        ),
      );
    }
  }
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>sigmawatch alert review</title><style>${STYLE}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
