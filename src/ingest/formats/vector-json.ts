/**
 * Vector's `kafka` sink with `encoding.codec = "json"`: one metric event per record, serde's JSON of
 * vector-core's `Metric` (lib/vector-core/src/event/metric: series and data flattened; the value an
 * externally tagged enum; lib/codecs/src/encoding/format/json.rs tests show the shape):
 *
 *   {"name":"requests","namespace":"app","tags":{"host":"a"},"timestamp":"2026-01-15T12:00:00.000000011Z",
 *    "kind":"absolute","counter":{"value":100.0}}
 *
 * | value                         | series pushed (value)                                                 |
 * | ----------------------------- | --------------------------------------------------------------------- |
 * | `gauge`, absolute             | `namespace_name` (the value)                                          |
 * | `counter`, absolute           | `namespace_name` (rate per second between consecutive events, rate.ts) |
 * | `counter`, incremental        | `namespace_name` (value / `interval_ms`; without it, value / the time  |
 * |                               | since the series' previous event — its first event is skipped)        |
 * | `aggregated_histogram`        | `…_count`, `…_sum` (rates), `…{quantile="0.5"}`, `0.9`, `0.99` from the |
 * |                               | interval's buckets (absolute: minus the previous event's)              |
 * | `aggregated_summary`          | `…{quantile="q"}` (the values), `…_count`, `…_sum` (rates)             |
 * | incremental gauge, `set`,     | skipped and counted (`unsupported`): no value of its own to score      |
 * | `distribution`, `sketch`      |                                                                       |
 *
 * Tags: a multi-valued tag (`metric_tag_values = "full"`: an array) takes its last non-null value, as
 * Vector's `reduce_tags_to_single` does; a bare tag (null) is left out. An event without `timestamp`
 * takes the decoder clock. serde writes NaN and ±Inf as `null`: such a value → `non_finite_value`.
 */
import { DecodeError } from '../../codec/errors.js';
import { formatSeriesId } from '../../codec/series-id.js';
import type { IngestDecoder, SampleSink } from '../format.js';
import { BoundedMap } from './bounded-map.js';
import { badShape, isObject, missingField, numberOf, parseJson, recordText } from './json.js';
import { sanitiseLabelName, sanitiseMetricName } from './names.js';
import type { DecoderOptions } from './options.js';
import { bucketQuantile } from './otlp/quantile.js';
import { counterRate, newCounterState, type CounterState } from './rate.js';
import { newSkipCounts, type SkipCounts } from './skips.js';
import { Rfc3339Parser } from './time.js';

const QUANTILES = [0.5, 0.9, 0.99] as const;
const QUANTILE_TEXT = QUANTILES.map(String);
const UNSUPPORTED = ['set', 'distribution', 'sketch'] as const;

type Obj = Record<string, unknown>;

interface Entry {
  id: string;
  /** The metric name and labels (summaries add a quantile label per quantile they carry). */
  name: string;
  labels: Record<string, string>;
  state: CounterState;
  /** Histograms and summaries: the derived series and their state. */
  countId: string;
  sumId: string;
  sum: CounterState;
  quantileIds: Map<string, string>;
  prevBuckets: Float64Array | null;
}

export class VectorJsonDecoder implements IngestDecoder {
  readonly format = 'vector-json' as const;
  readonly skipped: SkipCounts = newSkipCounts();
  readonly #entries: BoundedMap<string, Entry>;
  readonly #time = new Rfc3339Parser();
  readonly #now: () => number;

  constructor(options: DecoderOptions) {
    this.#entries = new BoundedMap(options.maxSeries);
    this.#now = options.now;
  }

  decode(value: Uint8Array, sink: SampleSink): void {
    const m = parseJson(recordText(value));
    if (!isObject(m)) throw badShape('the record', 'a Vector metric event object', m);
    const name = m['name'];
    const kind = m['kind'];
    if (name === undefined) throw missingField('"name"');
    if (kind === undefined) throw missingField('"kind"');
    if (typeof name !== 'string' || name === '') throw badShape('"name"', 'a metric name', name);
    if (kind !== 'absolute' && kind !== 'incremental') throw badShape('"kind"', '"absolute" or "incremental"', kind);
    const ts = m['timestamp'];
    let ms: number;
    if (ts === undefined || ts === null) ms = this.#now();
    else if (typeof ts === 'string') ms = this.#time.parse(ts, '"timestamp"');
    else throw badShape('"timestamp"', 'an RFC 3339 string', ts);
    const absolute = kind === 'absolute';

    let data: unknown;
    let tag: string;
    if ((data = m['gauge']) !== undefined) tag = 'g';
    else if ((data = m['counter']) !== undefined) tag = absolute ? 'c' : 'i';
    else if ((data = m['aggregated_histogram']) !== undefined) tag = 'h';
    else if ((data = m['aggregated_summary']) !== undefined) tag = 's';
    else {
      if (UNSUPPORTED.some((k) => m[k] !== undefined)) {
        this.skipped.unsupported++;
        return;
      }
      throw missingField('a value ("gauge", "counter", "aggregated_histogram", "aggregated_summary", …)');
    }
    if (!isObject(data)) throw badShape(`the ${tag === 'g' ? 'gauge' : tag === 's' ? 'summary' : 'value'}`, 'an object', data);
    if (tag === 'g' && !absolute) {
      this.skipped.unsupported++; // a change to a gauge: nothing to score without the gauge itself
      return;
    }
    const e = this.#entry(m, name, tag);
    switch (tag) {
      case 'g':
        sink.push(e.id, ms, finiteValue(data['value'], '"gauge"."value"'));
        return;
      case 'c': {
        const rate = counterRate(e.state, ms, finiteValue(data['value'], '"counter"."value"'), 0, this.skipped);
        if (!Number.isNaN(rate)) sink.push(e.id, ms, rate);
        return;
      }
      case 'i': {
        const v = finiteValue(data['value'], '"counter"."value"');
        const interval = m['interval_ms'];
        const prevMs = e.state.prevMs;
        e.state.prevMs = ms;
        if (typeof interval === 'number' && interval > 0) sink.push(e.id, ms, (v * 1000) / interval);
        else if (prevMs === 0) this.skipped.first_point++;
        else if (ms <= prevMs) this.skipped.out_of_order++;
        else sink.push(e.id, ms, (v * 1000) / (ms - prevMs));
        return;
      }
      case 'h':
        this.#histogram(e, data, ms, absolute, m['interval_ms'], sink);
        return;
      case 's':
        this.#summary(e, data, ms, sink);
        return;
    }
  }

  #entry(m: Obj, name: string, tag: string): Entry {
    const namespace = m['namespace'];
    const tags = m['tags'];
    let key = tag + (typeof namespace === 'string' ? namespace : '') + '\u0000' + name;
    if (tags !== undefined && tags !== null) {
      if (!isObject(tags)) throw badShape('"tags"', 'an object of tags', tags);
      for (const k in tags) key += '\u0000' + k + '\u0001' + tagText(tags[k]);
    }
    let e = this.#entries.get(key);
    if (e !== undefined) return e;
    if (namespace !== undefined && namespace !== null && typeof namespace !== 'string')
      throw badShape('"namespace"', 'a string', namespace);
    const full = sanitiseMetricName(typeof namespace === 'string' && namespace !== '' ? namespace + '_' + name : name);
    const labels: Record<string, string> = {};
    if (isObject(tags)) {
      for (const k in tags) {
        const v = tags[k];
        if (v !== null && typeof v !== 'string' && !Array.isArray(v)) throw badShape(`"tags".${JSON.stringify(k)}`, 'a string', v);
        const label = sanitiseLabelName(k);
        if (label !== null) labels[label] = tagText(v);
      }
    }
    const id = formatSeriesId(full, labels);
    const derived = tag === 'h' || tag === 's';
    e = {
      id,
      name: full,
      labels,
      state: newCounterState(),
      countId: derived ? formatSeriesId(full + '_count', labels) : '',
      sumId: derived ? formatSeriesId(full + '_sum', labels) : '',
      sum: newCounterState(),
      quantileIds: new Map(),
      prevBuckets: null,
    };
    if (tag === 'h') for (const q of QUANTILE_TEXT) e.quantileIds.set(q, formatSeriesId(full, { ...labels, quantile: q }));
    this.#entries.set(key, e);
    return e;
  }

  #rates(e: Entry, ms: number, count: number, sum: number, absolute: boolean, intervalMs: number, sink: SampleSink): void {
    if (absolute) {
      const c = counterRate(e.state, ms, count, 0, this.skipped);
      if (!Number.isNaN(c)) sink.push(e.countId, ms, c);
      const s = counterRate(e.sum, ms, sum, 0, this.skipped);
      if (!Number.isNaN(s)) sink.push(e.sumId, ms, s);
      return;
    }
    if (intervalMs > 0) {
      sink.push(e.countId, ms, (count * 1000) / intervalMs);
      sink.push(e.sumId, ms, (sum * 1000) / intervalMs);
    } else this.skipped.unsupported++; // an incremental histogram without interval_ms: no rate
  }

  #histogram(e: Entry, h: Obj, ms: number, absolute: boolean, interval: unknown, sink: SampleSink): void {
    const buckets = h['buckets'];
    if (!Array.isArray(buckets)) throw badShape('"aggregated_histogram"."buckets"', 'a list', buckets);
    const count = finiteValue(h['count'], '"aggregated_histogram"."count"');
    const sum = finiteValue(h['sum'], '"aggregated_histogram"."sum"');
    const prevMs = e.state.prevMs;
    const prevCount = e.state.prevValue;
    if (absolute && prevMs !== 0 && ms <= prevMs) {
      this.skipped.out_of_order++;
      return;
    }
    this.#rates(e, ms, count, sum, absolute, typeof interval === 'number' ? interval : 0, sink);
    // Per-bucket counts (Vector's are not cumulative); the +Inf bucket is whatever count leaves over.
    const bounds: number[] = [];
    const counts = new Float64Array(buckets.length + 1);
    let inBuckets = 0;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i];
      if (!isObject(b)) throw badShape('a histogram bucket', 'an object', b);
      const upper = numberOf(b['upper_limit'] === 'inf' ? Infinity : b['upper_limit']);
      const c = numberOf(b['count']);
      if (Number.isNaN(upper) || !(c >= 0)) throw badShape('a histogram bucket', '{"upper_limit": number, "count": number}', b);
      if (upper === Infinity) continue;
      counts[bounds.length] = c;
      bounds.push(upper);
      inBuckets += c;
    }
    counts[bounds.length] = Math.max(0, count - inBuckets);
    const n = bounds.length + 1;
    const prev = e.prevBuckets;
    const usePrev = absolute && prev !== null && prev.length === n && count >= prevCount;
    if (absolute) e.prevBuckets = counts.slice(0, n);
    if (absolute && prevMs === 0) return; // the first absolute histogram spans all time
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (usePrev) counts[i] = counts[i]! - prev[i]!;
      total += counts[i]!;
    }
    if (!(total > 0)) {
      this.skipped.empty_interval += QUANTILES.length;
      return;
    }
    for (let q = 0; q < QUANTILES.length; q++) {
      const x = bucketQuantile(QUANTILES[q]!, bounds, counts, total);
      if (Number.isFinite(x)) sink.push(e.quantileIds.get(QUANTILE_TEXT[q]!)!, ms, x);
    }
  }

  #summary(e: Entry, s: Obj, ms: number, sink: SampleSink): void {
    const quantiles = s['quantiles'];
    if (!Array.isArray(quantiles)) throw badShape('"aggregated_summary"."quantiles"', 'a list', quantiles);
    for (const q of quantiles) {
      if (!isObject(q)) throw badShape('a summary quantile', 'an object', q);
      const v = q['value'];
      if (typeof v !== 'number') {
        this.skipped.non_finite_value++;
        continue;
      }
      const text = String(numberOf(q['quantile']));
      let id = e.quantileIds.get(text);
      if (id === undefined) {
        id = formatSeriesId(e.name, { ...e.labels, quantile: text });
        e.quantileIds.set(text, id);
      }
      sink.push(id, ms, v);
    }
    this.#rates(
      e,
      ms,
      finiteValue(s['count'], '"aggregated_summary"."count"'),
      finiteValue(s['sum'], '"aggregated_summary"."sum"'),
      true,
      0,
      sink,
    );
  }
}

/** A tag value: a string, the last non-null value of a multi-valued tag, or '' (left out). */
function tagText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    for (let i = v.length - 1; i >= 0; i--) if (typeof v[i] === 'string') return v[i] as string;
  }
  return '';
}

function finiteValue(v: unknown, field: string): number {
  if (v === null) throw new DecodeError('non_finite_value', `${field} is null: serde writes NaN and ±Inf as null`);
  if (typeof v !== 'number') throw badShape(field, 'a number', v);
  return v;
}
