/**
 * Telegraf `outputs.kafka` with `data_format = "json"`: Telegraf's JSON serializer
 * (plugins/serializers/json `createObject`), one metric per record, or a batch with
 * `use_batch_format = true`:
 *
 *   {"fields":{"usage_idle":98.5,"count":3},"name":"cpu","tags":{"host":"a"},"timestamp":1768478400}
 *   {"metrics":[{…},{…}]}
 *
 * - One series per numeric field, `name_field{tags}`, as for line protocol (influx-line.ts); booleans
 *   → 1 / 0; string fields (and nested objects from `json_nested_fields_include`) are skipped and
 *   counted (`string_field`). Telegraf itself drops NaN and ±Inf before writing.
 * - `timestamp` is an integer in `json_timestamp_units` (default 1s). The unit is told by magnitude:
 *   below 1e11 seconds (until the year 5138), below 1e14 ms, below 1e17 µs, else ns — unambiguous
 *   for times after 1973. With `json_timestamp_format` set it is a string, read as RFC 3339.
 * - `json_transformation` (JSONata) output is not this shape and is not supported.
 */
import { formatSeriesId } from '../../codec/series-id.js';
import type { IngestDecoder, SampleSink } from '../format.js';
import { BoundedMap } from './bounded-map.js';
import { badShape, isObject, missingField, parseJson, recordText } from './json.js';
import { sanitiseLabelName, sanitiseMetricName } from './names.js';
import type { DecoderOptions } from './options.js';
import { newSkipCounts, type SkipCounts } from './skips.js';
import { checkMs, Rfc3339Parser } from './time.js';

interface MetricSeries {
  name: string;
  labels: Record<string, string>;
  /** Canonical id by field key. */
  ids: Map<string, string>;
}

export class TelegrafJsonDecoder implements IngestDecoder {
  readonly format = 'telegraf-json' as const;
  readonly skipped: SkipCounts = newSkipCounts();
  /** name + tags as written → the metric's series. */
  readonly #series: BoundedMap<string, MetricSeries>;
  readonly #time = new Rfc3339Parser();

  constructor(options: DecoderOptions) {
    this.#series = new BoundedMap(options.maxSeries);
  }

  decode(value: Uint8Array, sink: SampleSink): void {
    const record = parseJson(recordText(value));
    if (!isObject(record)) throw badShape('the record', 'a Telegraf JSON metric object', record);
    const batch = record['metrics'];
    if (batch === undefined) {
      this.#metric(record, '', sink);
      return;
    }
    if (!Array.isArray(batch)) throw badShape('"metrics"', 'a list of metrics', batch);
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i];
      if (!isObject(m)) throw badShape(`"metrics"[${i}]`, 'a metric object', m);
      this.#metric(m, `"metrics"[${i}].`, sink);
    }
  }

  #metric(m: Record<string, unknown>, at: string, sink: SampleSink): void {
    const name = m['name'];
    const fields = m['fields'];
    const tags = m['tags'] ?? {};
    const ts = m['timestamp'];
    if (name === undefined) throw missingField(at + '"name"');
    if (fields === undefined) throw missingField(at + '"fields"');
    if (ts === undefined) throw missingField(at + '"timestamp"');
    if (typeof name !== 'string' || name === '') throw badShape(at + '"name"', 'a measurement name', name);
    if (!isObject(fields)) throw badShape(at + '"fields"', 'an object of fields', fields);
    if (!isObject(tags)) throw badShape(at + '"tags"', 'an object of tags', tags);
    const ms = this.#timestampMs(ts, at + '"timestamp"');
    let key = name;
    for (const k in tags) key += '\u0000' + k + '\u0001' + String(tags[k]);
    let series = this.#series.get(key);
    if (series === undefined) {
      const labels: Record<string, string> = {};
      for (const k in tags) {
        const v = tags[k];
        if (typeof v !== 'string') throw badShape(`${at}"tags".${JSON.stringify(k)}`, 'a string', v);
        const label = sanitiseLabelName(k);
        if (label !== null) labels[label] = v;
      }
      series = { name, labels, ids: new Map() };
      this.#series.set(key, series);
    }
    for (const field in fields) {
      const v = fields[field];
      let x: number;
      if (typeof v === 'number') x = v;
      else if (typeof v === 'boolean') x = v ? 1 : 0;
      else {
        this.skipped.string_field++;
        continue;
      }
      let id = series.ids.get(field);
      if (id === undefined) {
        id = formatSeriesId(sanitiseMetricName(name === 'prometheus' ? field : name + '_' + field), series.labels);
        series.ids.set(field, id);
      }
      sink.push(id, ms, x);
    }
  }

  #timestampMs(ts: unknown, field: string): number {
    let ms: number;
    if (typeof ts === 'number') {
      const a = Math.abs(ts);
      ms = a < 1e11 ? ts * 1000 : a < 1e14 ? ts : a < 1e17 ? ts / 1e3 : ts / 1e6;
      ms = Math.floor(ms);
    } else if (typeof ts === 'string') return this.#time.parse(ts, field);
    else throw badShape(field, 'a number (json_timestamp_units) or an RFC 3339 string', ts);
    checkMs(ms, field, ts);
    return ms;
  }
}
