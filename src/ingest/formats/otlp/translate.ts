/**
 * One ExportMetricsServiceRequest (decoded from protobuf, or parsed OTLP JSON: the same camelCase
 * fields, 64-bit numbers as numbers or decimal strings) → samples, named and labelled as Prometheus's
 * OTLP receiver names them (naming.ts), with counters turned into rates:
 *
 * | OTLP metric                         | series pushed (value)                                               |
 * | ----------------------------------- | ------------------------------------------------------------------- |
 * | gauge                               | `name` (the value)                                                  |
 * | sum, monotonic, cumulative          | `name_total` (rate per second between consecutive points, rate.ts)   |
 * | sum, monotonic, delta               | `name_total` (value / (time − start) per second)                    |
 * | sum, not monotonic, cumulative      | `name` (the value: an up-down counter is a gauge)                   |
 * | sum, not monotonic, delta           | `name` (change per second over the point's interval)                |
 * | histogram                           | `name_count`, `name_sum` (rates as for sums), `name{quantile="0.5"}`, |
 * |                                     | `0.9`, `0.99` estimated from the interval's bucket counts           |
 * | exponential histogram               | `name_count`, `name_sum` only                                       |
 * | summary                             | `name{quantile="q"}` (the values), `name_count`, `name_sum` (rates)  |
 *
 * Labels: the point's attributes, plus `job` (= `service.namespace/service.name`, or `service.name`) and
 * `instance` (= `service.instance.id`) from the resource; other resource attributes and the scope are
 * not labels (Prometheus keeps them in `target_info`, which we do not emit).
 *
 * A point that carries the no-recorded-value flag (Prometheus's staleness), or a NaN / ±Inf value, is
 * skipped and counted; a structural error in the request throws (the record is dead-lettered whole).
 * Per decoder, each series' entry (its id or ids, and the previous point of a counter or histogram)
 * lives in one BoundedMap: about 2 × maxSeries entries at most.
 */
import { DecodeError } from '../../../codec/errors.js';
import { formatSeriesId } from '../../../codec/series-id.js';
import type { SampleSink } from '../../format.js';
import { BoundedMap } from '../bounded-map.js';
import { badShape, describe, isObject, numberOf } from '../json.js';
import { counterRate, newCounterState, type CounterState } from '../rate.js';
import { newSkipCounts, type SkipCounts } from '../skips.js';
import { checkMs } from '../time.js';
import { MetricKind, prometheusLabelName, prometheusMetricName } from './naming.js';
import { bucketQuantile } from './quantile.js';

/** The quantiles estimated from an explicit-bucket histogram. */
export const HISTOGRAM_QUANTILES = [0.5, 0.9, 0.99] as const;
const QUANTILE_TEXT = HISTOGRAM_QUANTILES.map(String);

const DELTA = 1;
const FLAG_NO_RECORDED_VALUE = 1;

type Obj = Record<string, unknown>;

interface GaugeEntry {
  id: string;
}
interface CounterEntry {
  id: string;
  state: CounterState;
}
interface HistogramEntry {
  countId: string;
  sumId: string;
  /** Ids of the quantile series: HISTOGRAM_QUANTILES for histograms, by quantile text for summaries. */
  quantileIds: Map<string, string>;
  count: CounterState;
  sum: CounterState;
  /** Bucket counts of the previous cumulative point (null: none yet). */
  prevBuckets: Float64Array | null;
  /** Scratch for the interval's per-bucket counts. */
  delta: Float64Array;
}
type Entry = GaugeEntry | CounterEntry | HistogramEntry;

/** Where a metric's points come from: the resource's labels and the metric's Prometheus name. */
interface Context {
  name: string;
  job: string;
  instance: string;
  /** Identity prefix of every cache key of this metric (kind, name, job, instance). */
  keyPrefix: string;
}

export class OtlpTranslator {
  readonly skipped: SkipCounts = newSkipCounts();
  readonly #entries: BoundedMap<string, Entry>;
  /** OTLP (name, unit, kind) → Prometheus name. */
  readonly #names: BoundedMap<string, string>;

  constructor(maxSeries: number) {
    this.#entries = new BoundedMap(maxSeries);
    this.#names = new BoundedMap(Math.max(1, Math.ceil(maxSeries / 8)));
  }

  translate(request: unknown, sink: SampleSink): void {
    if (!isObject(request)) throw badShape('the record', 'an OTLP ExportMetricsServiceRequest object', request);
    for (const rm of list(request, 'resourceMetrics')) {
      if (!isObject(rm)) throw badShape('resourceMetrics[]', 'an object', rm);
      let job = '';
      let instance = '';
      const resource = rm['resource'];
      if (isObject(resource)) {
        let name = '';
        let namespace = '';
        for (const kv of list(resource, 'attributes')) {
          if (!isObject(kv)) throw badShape('resource.attributes[]', 'a key-value object', kv);
          const key = kv['key'];
          if (key === 'service.name') name = anyValueText(kv['value']);
          else if (key === 'service.namespace') namespace = anyValueText(kv['value']);
          else if (key === 'service.instance.id') instance = anyValueText(kv['value']);
        }
        if (name !== '') job = namespace !== '' ? namespace + '/' + name : name;
      }
      for (const sm of list(rm, 'scopeMetrics')) {
        if (!isObject(sm)) throw badShape('scopeMetrics[]', 'an object', sm);
        for (const m of list(sm, 'metrics')) {
          if (!isObject(m)) throw badShape('metrics[]', 'an object', m);
          this.#metric(m, job, instance, sink);
        }
      }
    }
  }

  #metric(m: Obj, job: string, instance: string, sink: SampleSink): void {
    const otelName = m['name'];
    if (typeof otelName !== 'string') throw badShape('metric.name', 'a string', otelName);
    const unit = typeof m['unit'] === 'string' ? (m['unit'] as string) : '';
    let data: unknown;
    let kind: MetricKind;
    let tag: string;
    if ((data = m['gauge']) !== undefined && data !== null) {
      kind = MetricKind.Gauge;
      tag = 'g';
    } else if ((data = m['sum']) !== undefined && data !== null) {
      const monotonic = (data as Obj)['isMonotonic'] === true;
      kind = monotonic ? MetricKind.MonotonicCounter : MetricKind.NonMonotonicCounter;
      tag = monotonic ? 'c' : 'u';
    } else if ((data = m['histogram']) !== undefined && data !== null) {
      kind = MetricKind.Histogram;
      tag = 'h';
    } else if ((data = m['exponentialHistogram']) !== undefined && data !== null) {
      kind = MetricKind.Histogram;
      tag = 'e';
    } else if ((data = m['summary']) !== undefined && data !== null) {
      kind = MetricKind.Summary;
      tag = 's';
    } else {
      this.skipped.unsupported++; // no data (or a kind newer than this decoder)
      return;
    }
    if (!isObject(data)) throw badShape(`metric ${JSON.stringify(otelName)} data`, 'an object', data);
    const name = this.#name(otelName, unit, kind, tag);
    const ctx: Context = { name, job, instance, keyPrefix: tag + name + '\u0000' + job + '\u0000' + instance + '\u0000' };
    const delta = temporality(data['aggregationTemporality']) === DELTA;
    const points = list(data, 'dataPoints');
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      if (!isObject(p)) throw badShape('dataPoints[]', 'an object', p);
      if ((numberOf(p['flags'] ?? 0) & FLAG_NO_RECORDED_VALUE) !== 0) {
        this.skipped.stale_marker++;
        continue;
      }
      const ms = timeMs(p['timeUnixNano'], 'timeUnixNano', true);
      switch (tag) {
        case 'g':
          this.#gauge(ctx, p, ms, sink);
          break;
        case 'c':
        case 'u':
          if (tag === 'u' && !delta) this.#gauge(ctx, p, ms, sink);
          else this.#sum(ctx, p, ms, delta, sink);
          break;
        case 'h':
        case 'e':
          this.#histogram(ctx, p, ms, delta, tag === 'h', sink);
          break;
        case 's':
          this.#summary(ctx, p, ms, sink);
          break;
      }
    }
  }

  #name(otelName: string, unit: string, kind: MetricKind, tag: string): string {
    const key = tag + otelName + '\u0000' + unit;
    let name = this.#names.get(key);
    if (name === undefined) {
      name = prometheusMetricName(otelName, unit, kind);
      this.#names.set(key, name);
    }
    return name;
  }

  #gauge(ctx: Context, p: Obj, ms: number, sink: SampleSink): void {
    const v = pointValue(p);
    if (!Number.isFinite(v)) {
      this.skipped.non_finite_value++;
      return;
    }
    const key = pointKey(ctx, p);
    let e = this.#entries.get(key) as GaugeEntry | undefined;
    if (e === undefined) {
      e = { id: seriesId(ctx.name, ctx, p, '', '') };
      this.#entries.set(key, e);
    }
    sink.push(e.id, ms, v);
  }

  #sum(ctx: Context, p: Obj, ms: number, delta: boolean, sink: SampleSink): void {
    const v = pointValue(p);
    if (!Number.isFinite(v)) {
      this.skipped.non_finite_value++;
      return;
    }
    const key = pointKey(ctx, p);
    let e = this.#entries.get(key) as CounterEntry | undefined;
    if (e === undefined) {
      e = { id: seriesId(ctx.name, ctx, p, '', ''), state: newCounterState() };
      this.#entries.set(key, e);
    }
    const startMs = timeMs(p['startTimeUnixNano'], 'startTimeUnixNano', false);
    const rate = delta ? this.#deltaRate(v, ms, startMs) : counterRate(e.state, ms, v, startMs, this.skipped);
    if (!Number.isNaN(rate)) sink.push(e.id, ms, rate);
  }

  /** A delta point's value per second of its own interval; NaN (skipped) without a usable start time. */
  #deltaRate(v: number, ms: number, startMs: number): number {
    if (!(startMs > 0 && startMs < ms)) {
      this.skipped.unsupported++;
      return NaN;
    }
    return (v * 1000) / (ms - startMs);
  }

  #histogram(ctx: Context, p: Obj, ms: number, delta: boolean, explicit: boolean, sink: SampleSink): void {
    const key = pointKey(ctx, p);
    let e = this.#entries.get(key) as HistogramEntry | undefined;
    if (e === undefined) {
      e = newHistogramEntry(ctx, p);
      if (explicit)
        for (let q = 0; q < QUANTILE_TEXT.length; q++)
          e.quantileIds.set(QUANTILE_TEXT[q]!, seriesId(ctx.name, ctx, p, 'quantile', QUANTILE_TEXT[q]!));
      this.#entries.set(key, e);
    }
    const count = numberOf(p['count'] ?? 0);
    const sum = p['sum'] === undefined ? NaN : numberOf(p['sum']);
    const startMs = timeMs(p['startTimeUnixNano'], 'startTimeUnixNano', false);
    const prevMs = e.count.prevMs;
    const prevCount = e.count.prevValue;
    const prevStartMs = e.count.prevStartMs;
    const countRate = delta ? this.#deltaRate(count, ms, startMs) : counterRate(e.count, ms, count, startMs, this.skipped);
    if (!Number.isNaN(countRate)) sink.push(e.countId, ms, countRate);
    if (Number.isFinite(sum)) {
      const sumRate = delta ? this.#deltaRate(sum, ms, startMs) : counterRate(e.sum, ms, sum, startMs, this.skipped);
      if (!Number.isNaN(sumRate)) sink.push(e.sumId, ms, sumRate);
    }
    if (!explicit) return;
    // Quantiles over this point's interval: a delta point's own buckets, or a cumulative point's
    // buckets minus the previous point's (all of them after a reset).
    const counts = list(p, 'bucketCounts');
    const bounds = list(p, 'explicitBounds') as number[];
    for (let i = 0; i < bounds.length; i++) {
      if (typeof bounds[i] !== 'number') throw badShape('histogram explicitBounds[]', 'a number', bounds[i]);
    }
    if (counts.length !== bounds.length + 1) {
      if (counts.length === 0) return; // a histogram without buckets: count and sum only
      throw badShape('histogram bucketCounts', `explicitBounds.length + 1 = ${bounds.length + 1} counts`, `${counts.length}`);
    }
    if (!delta && prevMs !== 0 && ms <= prevMs) return; // out of order (counted above): keep the previous buckets
    if (e.delta.length !== counts.length) e.delta = new Float64Array(counts.length);
    const d = e.delta;
    const prev = e.prevBuckets;
    // A reset (count fell, or a new start time) makes the current buckets the interval's increase.
    const usePrev =
      !delta && prev !== null && prev.length === counts.length && count >= prevCount && (startMs === prevStartMs || startMs === 0);
    let next = prev;
    if (!delta && (next === null || next.length !== counts.length)) next = e.prevBuckets = new Float64Array(counts.length);
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      const c = numberOf(counts[i]);
      d[i] = usePrev ? c - prev[i]! : c;
      if (!delta) next![i] = c;
      total += d[i]!;
    }
    if (!delta && prevMs === 0) return; // first cumulative point: its buckets span all time, not an interval
    if (!(total > 0)) {
      this.skipped.empty_interval += HISTOGRAM_QUANTILES.length;
      return;
    }
    for (let q = 0; q < HISTOGRAM_QUANTILES.length; q++) {
      const x = bucketQuantile(HISTOGRAM_QUANTILES[q]!, bounds, d, total);
      if (Number.isFinite(x)) sink.push(e.quantileIds.get(QUANTILE_TEXT[q]!)!, ms, x);
    }
  }

  #summary(ctx: Context, p: Obj, ms: number, sink: SampleSink): void {
    const key = pointKey(ctx, p);
    let e = this.#entries.get(key) as HistogramEntry | undefined;
    if (e === undefined) {
      e = newHistogramEntry(ctx, p);
      this.#entries.set(key, e);
    }
    for (const qv of list(p, 'quantileValues')) {
      if (!isObject(qv)) throw badShape('summary quantileValues[]', 'an object', qv);
      const q = numberOf(qv['quantile'] ?? 0);
      const v = numberOf(qv['value'] ?? 0);
      if (!Number.isFinite(v)) {
        this.skipped.non_finite_value++;
        continue;
      }
      const text = String(q);
      let id = e.quantileIds.get(text);
      if (id === undefined) {
        id = seriesId(ctx.name, ctx, p, 'quantile', text);
        e.quantileIds.set(text, id);
      }
      sink.push(id, ms, v);
    }
    const startMs = timeMs(p['startTimeUnixNano'], 'startTimeUnixNano', false);
    const countRate = counterRate(e.count, ms, numberOf(p['count'] ?? 0), startMs, this.skipped);
    if (!Number.isNaN(countRate)) sink.push(e.countId, ms, countRate);
    const sumRate = counterRate(e.sum, ms, numberOf(p['sum'] ?? 0), startMs, this.skipped);
    if (!Number.isNaN(sumRate)) sink.push(e.sumId, ms, sumRate);
  }
}

function newHistogramEntry(ctx: Context, p: Obj): HistogramEntry {
  return {
    countId: seriesId(ctx.name + '_count', ctx, p, '', ''),
    sumId: seriesId(ctx.name + '_sum', ctx, p, '', ''),
    quantileIds: new Map(),
    count: newCounterState(),
    sum: newCounterState(),
    prevBuckets: null,
    delta: new Float64Array(0),
  };
}

/** The cache key of a point's series: the metric's prefix and its attributes as written. */
function pointKey(ctx: Context, p: Obj): string {
  let key = ctx.keyPrefix;
  const attributes = p['attributes'];
  if (attributes === undefined) return key;
  if (!Array.isArray(attributes)) throw badShape('attributes', 'a list of key-values', attributes);
  for (let i = 0; i < attributes.length; i++) {
    const kv = attributes[i] as Obj;
    if (!isObject(kv)) throw badShape('attributes[]', 'a key-value object', kv);
    key += String(kv['key']) + '\u0001' + anyValueText(kv['value']) + '\u0002';
  }
  return key;
}

/** The canonical id: attributes → labels (colliding names joined by `;`), then job and instance. */
function seriesId(name: string, ctx: Context, p: Obj, extraLabel: string, extraValue: string): string {
  const labels: Record<string, string> = {};
  const attributes = (p['attributes'] ?? []) as Obj[];
  const sorted = [...attributes].sort((a, b) => (String(a['key']) < String(b['key']) ? -1 : 1));
  for (const kv of sorted) {
    const label = prometheusLabelName(String(kv['key']));
    if (label === null) continue;
    const value = anyValueText(kv['value']);
    labels[label] = labels[label] !== undefined ? labels[label] + ';' + value : value;
  }
  if (ctx.job !== '') labels['job'] = ctx.job;
  if (ctx.instance !== '') labels['instance'] = ctx.instance;
  if (extraLabel !== '') labels[extraLabel] = extraValue;
  return formatSeriesId(name, labels);
}

function list(o: Obj, field: string): unknown[] {
  const v = o[field];
  if (v === undefined || v === null) return EMPTY;
  if (!Array.isArray(v)) throw badShape(field, 'a list', v);
  return v;
}
const EMPTY: unknown[] = [];

function temporality(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'AGGREGATION_TEMPORALITY_DELTA') return 1;
  if (v === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return 2;
  return 0;
}

/** A time in ns (number, or decimal string in JSON) → Unix ms; 0 when absent and optional. */
function timeMs(v: unknown, field: string, required: boolean): number {
  if (v === undefined || v === null || v === 0 || v === '0') {
    if (!required) return 0;
    throw new DecodeError('bad_timestamp', `a data point lacks ${field}`);
  }
  const ns = numberOf(v);
  const ms = Math.floor(ns / 1e6);
  if (required) checkMs(ms, field + ' / 1e6', v);
  else if (!(ms >= 0)) throw new DecodeError('bad_timestamp', `${field} must be Unix ns, got ${describe(v)}`);
  return ms;
}

/** A NumberDataPoint's value: `asDouble` or `asInt` (whichever is set; a decimal string in JSON). */
function pointValue(p: Obj): number {
  const d = p['asDouble'];
  if (d !== undefined && Object.hasOwn(p, 'asDouble')) return numberOf(d);
  const i = p['asInt'];
  if (i !== undefined && Object.hasOwn(p, 'asInt')) return numberOf(i);
  throw badShape('a data point', 'asDouble or asInt', 'neither');
}

/** An AnyValue as Prometheus writes it into a label (pcommon Value.AsString). */
export function anyValueText(v: unknown): string {
  if (!isObject(v)) return '';
  if (Object.hasOwn(v, 'stringValue')) return String(v['stringValue']);
  if (Object.hasOwn(v, 'boolValue')) return v['boolValue'] ? 'true' : 'false';
  if (Object.hasOwn(v, 'intValue')) return String(v['intValue']);
  if (Object.hasOwn(v, 'doubleValue')) return String(numberOf(v['doubleValue']));
  if (Object.hasOwn(v, 'bytesValue')) {
    const b = v['bytesValue'];
    return typeof b === 'string' ? b : Buffer.from(b as Uint8Array).toString('base64');
  }
  if (Object.hasOwn(v, 'arrayValue')) {
    const values = isObject(v['arrayValue']) ? ((v['arrayValue'] as Obj)['values'] as unknown[]) : [];
    return JSON.stringify((values ?? []).map(anyValueJson));
  }
  if (Object.hasOwn(v, 'kvlistValue')) return JSON.stringify(anyValueJson(v));
  return '';
}

function anyValueJson(v: unknown): unknown {
  if (!isObject(v)) return null;
  if (Object.hasOwn(v, 'kvlistValue')) {
    const out: Obj = {};
    const values = isObject(v['kvlistValue']) ? (((v['kvlistValue'] as Obj)['values'] ?? []) as Obj[]) : [];
    for (const kv of values) out[String(kv['key'])] = anyValueJson(kv['value']);
    return out;
  }
  if (Object.hasOwn(v, 'arrayValue')) {
    const values = isObject(v['arrayValue']) ? (((v['arrayValue'] as Obj)['values'] ?? []) as unknown[]) : [];
    return values.map(anyValueJson);
  }
  if (Object.hasOwn(v, 'boolValue')) return v['boolValue'] === true;
  if (Object.hasOwn(v, 'intValue') || Object.hasOwn(v, 'doubleValue')) return numberOf(v['intValue'] ?? v['doubleValue']);
  return anyValueText(v);
}
