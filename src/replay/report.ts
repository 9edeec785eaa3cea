/**
 * replay --report: what the replay's charts are made of, gathered as the rows go by, and the page
 * built from it at the end. Per series: its values with the expected band the rule scored each
 * against (a SeriesTrace, bounded), its pending and firing spans (a SpanLog), and its alert events
 * as markers. The series with the most alerts are drawn; the rest are listed.
 *
 * Memory is bounded by a point budget shared by all series (each keeps at most
 * MAX_POINTS_PER_SERIES points, fewer when many series share the budget, never fewer than
 * MIN_POINTS_PER_SERIES), not by the number of rows.
 */
import { SampleBatch, decodeSamplesInto } from '../codec/samples.js';
import type { DeadLetter } from '../codec/dead-letter.js';
import type { SourceRecord } from '../codec/source-record.js';
import { flooredStd } from '../core/score.js';
import { NO_RULE } from '../core/store.js';
import type { Rule } from '../core/rule.js';
import type { SeriesIdentity } from '../core/series-identity.js';
import type { Engine } from '../engine/engine.js';
import type { EngineAlert } from '../engine/batch-result.js';
import { SeriesTrace } from '../report/series-trace.js';
import { SpanLog, SpanState } from '../report/span-log.js';
import type { ChartMarker, ReportChart, ReportPage, SummaryTable } from '../report/page.js';
import { fmt } from './summary.js';

/** Points a series keeps at most: about two per pixel of a wide chart (min and max). */
export const MAX_POINTS_PER_SERIES = 2048;
/** The fewest a series keeps however many share the budget. */
export const MIN_POINTS_PER_SERIES = 16;
/** Points all series keep together (24 bytes each: about 100 MB). */
export const POINT_BUDGET = 4_000_000;
/** Alert markers kept per series; further events are counted. */
const MAX_MARKERS = 2000;
/** Lifecycle state changes kept per series (spans); further changes are counted. */
const MAX_STATE_CHANGES = 20_000;
/** Rows of a chart's event table, and of the table of series not drawn. */
const MAX_EVENT_ROWS = 200;
const MAX_LISTED_SERIES = 1000;

export interface ReplayReportOptions {
  /** Series to draw: the ones with most alerts. */
  readonly series: number;
  /** Overrides of the point budget (tests). */
  readonly pointBudget?: number;
  readonly maxPointsPerSeries?: number;
}

interface SeriesRecord {
  /** Who the series is, as admitted into its current slot (a new object after an eviction). */
  identity: SeriesIdentity;
  readonly order: number;
  rule: number;
  readonly trace: SeriesTrace;
  readonly spans: SpanLog;
  readonly markers: ChartMarker[];
  readonly events: string[][];
  markersDropped: number;
  fired: number;
  alerts: number;
  lastTs: number;
}

/** A rule's band parameters, read once. */
interface BandParams {
  readonly minSamples: number;
  readonly threshold: number;
  readonly absFloor: number;
  readonly relFloor: number;
}

export class ReplayReport {
  private readonly bySlot: (SeriesRecord | undefined)[] = [];
  /** Alert events whose series is no series of the replay (SLO groups): counted, not drawn. */
  private groupAlerts = 0;
  private readonly byName = new Map<string, SeriesRecord>();
  private readonly bands: BandParams[];
  private readonly points = new SampleBatch(64);
  private readonly budget: number;
  private readonly maxPoints: number;
  private cap: number;
  /** Series count at which the per-series cap is worked out again. */
  private nextRecap: number;

  constructor(
    private readonly engine: Engine,
    private readonly rules: readonly Rule[],
    private readonly options: ReplayReportOptions,
  ) {
    // (An SLO rule's slot is never a series' rule: its threshold is never read.)
    this.bands = rules.map((r) => ({
      minSamples: r.minSamples,
      threshold: r.tiers[0]?.z ?? NaN,
      absFloor: r.stdFloor.absolute,
      relFloor: r.stdFloor.relative,
    }));
    this.budget = options.pointBudget ?? POINT_BUDGET;
    this.maxPoints = options.maxPointsPerSeries ?? MAX_POINTS_PER_SERIES;
    this.cap = this.maxPoints;
    this.nextRecap = Math.max(1, Math.floor(this.budget / this.maxPoints));
  }

  /** A record the engine has just processed (see ReplayObserver.processed). */
  processed(record: SourceRecord, dead: DeadLetter | undefined): void {
    const engine = this.engine;
    const slot = engine.lastSlot;
    if (dead !== undefined || slot < 0 || record.value === null) return;
    const points = this.points;
    // The engine decoded this value already; decoding it again here keeps the engine's batch
    // private and costs nothing when there is no report (compact records allocate nothing).
    decodeSamplesInto(record.key, record.value, points);
    const n = points.count;
    if (n === 0) return;
    const detector = engine.detector;
    const identity = detector.identityOf(slot);
    let s = this.bySlot[slot];
    if (s === undefined || s.identity !== identity) s = this.seriesOf(slot, identity);
    const rule = detector.store.rule[slot];
    s.rule = rule;
    for (let i = 0; i < n - 1; i++) s.trace.add(points.ts[i], points.values[i], NaN, NaN);
    const ts = points.ts[n - 1];
    const x = points.values[n - 1];
    let lo = NaN;
    let hi = NaN;
    if (rule !== NO_RULE) {
      // The baseline the last sample was scored against (the daily profile where it explained
      // the series, else the long memory or the window), floored as the score floors it.
      const base = engine.lastBaseline;
      const band = this.bands[rule]!;
      if (base[0] >= band.minSamples) {
        const std = flooredStd(base[2], base[1], band.absFloor, band.relFloor);
        lo = base[1] - band.threshold * std;
        hi = base[1] + band.threshold * std;
      }
    }
    s.trace.add(ts, x, lo, hi);
    s.spans.observe(ts, detector.lifecycle.state[slot]);
    if (ts > s.lastTs) s.lastTs = ts;
  }

  /** An alert event of the replay. */
  alert({ event: a }: EngineAlert): void {
    const s = this.byName.get(a.series);
    if (s === undefined) {
      // An SLO rule alerts for a group of series, not for one the replay read.
      this.groupAlerts++;
      return;
    }
    s.alerts++;
    if (a.reason === 'fired') s.fired++;
    // An idle series' alert resolves as stale between its samples: its span ends here.
    if (a.reason === 'stale') s.spans.observe(a.ts, SpanState.Inactive);
    const reason = a.reason ?? a.status;
    const z = Number.isFinite(a.z) ? a.z.toFixed(2) : '-';
    if (s.markers.length < MAX_MARKERS) {
      const why = a.trigger !== undefined ? `, by ${a.trigger}` : '';
      s.markers.push({
        ts: a.ts,
        value: a.value,
        kind: reason,
        label: `${reason} ${a.severity} (rule ${a.rule}${why}): value ${num(a.value)}, z ${z}, expected ${num(a.mean)} ± ${a.threshold ?? '?'}·${num(a.std)} (${a.baseline ?? '?'})`,
      });
    } else s.markersDropped++;
    if (s.events.length < MAX_EVENT_ROWS)
      s.events.push([iso(a.ts), reason, a.severity, a.rule, num(a.value), z, num(a.mean), num(a.std), a.baseline ?? '', a.trigger ?? '']);
  }

  /** Series seen so far. */
  get seriesCount(): number {
    return this.byName.size;
  }

  /** The page: `summaryTables` first, then the charts, then the series not drawn. */
  page(title: string, subtitle: string, summaryTables: readonly SummaryTable[]): ReportPage {
    const all = [...this.byName.values()].sort((a, b) => b.fired - a.fired || b.alerts - a.alerts || a.order - b.order);
    const drawn = all.slice(0, this.options.series);
    const rest = all.slice(this.options.series);
    const notes: string[] = [];
    const withAlerts = all.filter((s) => s.alerts > 0).length;
    notes.push(
      `${fmt(all.length)} series, ${fmt(withAlerts)} with alerts; ${fmt(drawn.length)} drawn (the ${fmt(this.options.series)} with most alerts, --report-series)` +
        (rest.length > 0 ? `, ${fmt(rest.length)} listed below the charts and not drawn.` : '.'),
    );
    if (this.groupAlerts > 0) notes.push(`${fmt(this.groupAlerts)} alert events of SLO groups (not single series) are not drawn.`);
    const appendix: SummaryTable[] = [];
    if (rest.length > 0) {
      appendix.push({
        caption: `Series not drawn (${fmt(rest.length)})`,
        header: ['series', 'rule', 'rows', 'fired', 'alert events'],
        rows: rest
          .slice(0, MAX_LISTED_SERIES)
          .map((s) => [s.identity.series, this.ruleName(s), fmt(s.trace.rows), fmt(s.fired), fmt(s.alerts)]),
        numeric: [2, 3, 4],
        note: rest.length > MAX_LISTED_SERIES ? `and ${fmt(rest.length - MAX_LISTED_SERIES)} more, with fewer alerts` : undefined,
      });
    }
    return { title, subtitle, notes, summaryTables, charts: drawn.map((s) => this.chart(s)), appendixTables: appendix };
  }

  private chart(s: SeriesRecord): ReportChart {
    const t = s.trace;
    const n = t.points;
    const ts = new Float64Array(n);
    const value = new Float64Array(n);
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    let i = 0;
    t.forEach((a, b, c, d) => {
      ts[i] = a;
      value[i] = b;
      lo[i] = c;
      hi[i] = d;
      i++;
    });
    const band = s.rule !== NO_RULE ? this.bands[s.rule]! : undefined;
    const notes: string[] = [];
    if (t.level > 0)
      notes.push(`${fmt(t.rows)} rows drawn as ${fmt(n)} points: the minimum and maximum of every ${fmt(2 * t.rowsPerPoint)} rows.`);
    if (s.markersDropped > 0) notes.push(`${fmt(s.markersDropped)} further alert events not marked (${fmt(MAX_MARKERS)} are).`);
    if (s.spans.dropped > 0) notes.push(`Spans after the first ${fmt(MAX_STATE_CHANGES)} state changes are not shaded.`);
    if (band === undefined) notes.push('No rule matches this series: it is not scored.');
    return {
      title: s.identity.series,
      subtitle:
        `${this.ruleName(s)} · ${fmt(t.rows)} rows · ${fmt(s.fired)} fired, ${fmt(s.alerts)} alert events` +
        (band !== undefined ? ` · band: mean ± ${band.threshold}·std` : ''),
      notes,
      valueLabel: s.identity.name,
      points: { ts, value, lo, hi },
      spans: s.spans.spans(s.lastTs),
      markers: s.markers,
      events: {
        caption: `Alert events (${fmt(s.alerts)}${s.alerts > s.events.length ? `, first ${fmt(s.events.length)} listed` : ''})`,
        header: ['time (UTC)', 'reason', 'severity', 'rule', 'value', 'z', 'mean', 'std', 'baseline', 'trigger'],
        rows: s.events,
        numeric: [4, 5, 6, 7],
      },
    };
  }

  private ruleName(s: SeriesRecord): string {
    return s.rule === NO_RULE ? 'no rule' : `rule ${this.rules[s.rule]!.name}`;
  }

  /** The record of the series now in `slot` (new, or one seen before its slot was evicted). */
  private seriesOf(slot: number, identity: SeriesIdentity): SeriesRecord {
    let s = this.byName.get(identity.series);
    if (s === undefined) {
      s = {
        identity,
        order: this.byName.size,
        rule: NO_RULE,
        trace: new SeriesTrace(this.cap),
        spans: new SpanLog(MAX_STATE_CHANGES),
        markers: [],
        events: [],
        markersDropped: 0,
        fired: 0,
        alerts: 0,
        lastTs: -Infinity,
      };
      this.byName.set(identity.series, s);
      if (this.byName.size >= this.nextRecap) this.recap();
    } else {
      // Keep the identity of the slot's current admission, so the next row finds it at once.
      s.identity = identity;
    }
    this.bySlot[slot] = s;
    return s;
  }

  /**
   * More series share the budget: a smaller cap for every series (each halves itself down to it),
   * sized for twice as many series, so the budget holds until the next recap.
   */
  private recap(): void {
    const n = this.byName.size;
    const cap = Math.max(MIN_POINTS_PER_SERIES, Math.min(this.maxPoints, Math.floor(this.budget / (2 * n) / 4) * 4));
    if (cap < this.cap) {
      this.cap = cap;
      for (const s of this.byName.values()) s.trace.setCap(cap);
    }
    this.nextRecap = n * 2;
  }
}

function num(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return Math.abs(x) >= 1e6 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : String(Number(x.toPrecision(6)));
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('.000Z', 'Z');
}
