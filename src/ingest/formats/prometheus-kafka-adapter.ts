/**
 * prometheus-kafka-adapter (Prometheus remote-write → Kafka), JSON serializer: one sample per
 * record, exactly what its `Serialize` writes (Telefonica/prometheus-kafka-adapter serializers.go):
 *
 *   {"labels":{"__name__":"up","job":"api",…},"name":"up","timestamp":"2024-05-01T12:00:00Z","value":"1"}
 *
 * `timestamp` is RFC 3339 in whole seconds (the adapter truncates the sample's ms), `value` is Go's
 * `strconv.FormatFloat(v, 'f', -1, 64)`: decimals, `NaN`, `+Inf`, `-Inf`.
 *
 * - `NaN` is dropped and counted (`stale_marker`), not dead-lettered: Prometheus writes its
 *   staleness marker (a NaN) for every series whose target went away or stopped exporting it, which
 *   is routine, and in this text it cannot be told from any other NaN. Scoring would drop it anyway.
 * - `+Inf` / `-Inf` → `non_finite_value` (dead letter): a real value that cannot be scored.
 * - Label names are sanitised to Prometheus's classes (Prometheus 3 allows UTF-8 names); labels that
 *   start with `__` are internal and left out.
 */
import { DecodeError } from '../../codec/errors.js';
import { formatSeriesId } from '../../codec/series-id.js';
import type { IngestDecoder, SampleSink } from '../format.js';
import { BoundedMap } from './bounded-map.js';
import { badShape, describe, isNaNText, isObject, missingField, numberText, parseJson, recordText } from './json.js';
import { sanitiseLabelName, sanitiseMetricName } from './names.js';
import { newSkipCounts, type SkipCounts } from './skips.js';
import { Rfc3339Parser } from './time.js';
import type { DecoderOptions } from './options.js';

export class PrometheusKafkaAdapterDecoder implements IngestDecoder {
  readonly format = 'prometheus-kafka-adapter' as const;
  readonly skipped: SkipCounts = newSkipCounts();
  /** Series identity text (see #identityKey) → canonical series id. */
  readonly #ids: BoundedMap<string, string>;
  readonly #time = new Rfc3339Parser();

  constructor(options: DecoderOptions) {
    this.#ids = new BoundedMap(options.maxSeries);
  }

  decode(value: Uint8Array, sink: SampleSink): void {
    const text = recordText(value);
    if (this.#decodeKnown(text, sink)) return;
    const record = parseJson(text);
    if (!isObject(record)) throw badShape('the record', 'a JSON object', record);
    const ts = record['timestamp'];
    const v = record['value'];
    if (ts === undefined) throw missingField('"timestamp"');
    if (v === undefined) throw missingField('"value"');
    if (typeof ts !== 'string') throw badShape('"timestamp"', 'an RFC 3339 string', ts);
    if (typeof v !== 'string') throw badShape('"value"', 'a number as a string', v);
    this.#push(this.#seriesId(text, record, ts, v), ts, v, sink);
  }

  #push(id: string, ts: string, v: string, sink: SampleSink): void {
    const ms = this.#time.parse(ts, '"timestamp"');
    const x = numberText(v);
    if (Number.isNaN(x)) {
      if (!isNaNText(v)) throw badShape('"value"', 'a number as a string', v);
      this.skipped.stale_marker++;
      return;
    }
    if (x === Infinity || x === -Infinity) throw new DecodeError('non_finite_value', `"value" must be finite, got ${describe(v)}`);
    sink.push(id, ms, x);
  }

  /**
   * The fast path, without JSON.parse (which is most of the cost of a record): a record of a series
   * seen before, in the adapter's own layout, is its identity prefix (a cache key, see identityKey)
   * and a tail `,"timestamp":"T","value":"V"}` with no quote or backslash in T or V. The prefix was
   * parsed and validated when the series was first seen, and such a tail is valid JSON after it, so
   * the record is exactly as valid as that first one. False (take the slow path) otherwise.
   */
  #decodeKnown(text: string, sink: SampleSink): boolean {
    const at = text.lastIndexOf(TAIL_TS);
    if (at <= 0) return false;
    const tsStart = at + TAIL_TS.length;
    const tsEnd = text.indexOf('"', tsStart);
    if (tsEnd < 0 || !text.startsWith(TAIL_VALUE, tsEnd)) return false;
    const vStart = tsEnd + TAIL_VALUE.length;
    const vEnd = text.length - 2;
    if (vEnd < vStart || text.charCodeAt(vEnd) !== 0x22 || text.charCodeAt(vEnd + 1) !== 0x7d) return false;
    for (let i = tsStart; i < tsEnd; i++) if (text.charCodeAt(i) === 0x5c) return false;
    for (let i = vStart; i < vEnd; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x5c || c === 0x22) return false;
    }
    const id = this.#ids.get(text.slice(0, at));
    if (id === undefined) return false;
    this.#push(id, text.slice(tsStart, tsEnd), text.slice(vStart, vEnd), sink);
    return true;
  }

  #seriesId(text: string, record: Record<string, unknown>, ts: string, v: string): string {
    const key = identityKey(text, ts, v) ?? builtKey(record);
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = buildId(record);
      this.#ids.set(key, id);
    }
    return id;
  }
}

const TAIL_TS = ',"timestamp":"';
const TAIL_VALUE = '","value":"';

/**
 * The adapter writes keys sorted (Go's encoding/json on a map), so a record is
 * `{"labels":{…},"name":"…"` + `,"timestamp":"T","value":"V"}`. When the text ends in exactly that
 * tail (T and V as parsed, so nothing else hides in it), everything before it is the series identity
 * as the adapter wrote it: a ready-made cache key with no work per label. Null for other layouts.
 */
function identityKey(text: string, ts: string, v: string): string | null {
  const at = text.length - (TAIL_TS.length + ts.length + TAIL_VALUE.length + v.length + 2);
  if (at <= 0) return null;
  if (!text.startsWith(TAIL_TS, at)) return null;
  const vAt = at + TAIL_TS.length + ts.length;
  if (!text.startsWith(ts, at + TAIL_TS.length) || !text.startsWith(TAIL_VALUE, vAt)) return null;
  if (!text.startsWith(v, vAt + TAIL_VALUE.length) || !text.endsWith('"}')) return null;
  return text.slice(0, at);
}

/** A cache key from the parsed record, for layouts other than the adapter's own. */
function builtKey(record: Record<string, unknown>): string {
  let key = String(record['name']) + '\u0000';
  const labels = record['labels'];
  if (isObject(labels)) for (const k in labels) key += k + '\u0001' + String(labels[k]) + '\u0002';
  return key;
}

function buildId(record: Record<string, unknown>): string {
  const labels = record['labels'];
  if (labels === undefined) throw missingField('"labels"');
  if (!isObject(labels)) throw badShape('"labels"', 'an object of label names to strings', labels);
  const name = record['name'] ?? labels['__name__'];
  if (name === undefined) throw missingField('"name" (and "labels"."__name__")');
  if (typeof name !== 'string' || name === '') throw badShape('"name"', 'a metric name', name);
  const out: Record<string, string> = {};
  for (const k in labels) {
    const labelValue = labels[k];
    if (typeof labelValue !== 'string') throw badShape(`"labels".${JSON.stringify(k)}`, 'a string', labelValue);
    const label = sanitiseLabelName(k);
    if (label !== null) out[label] = labelValue;
  }
  return formatSeriesId(sanitiseMetricName(name), out);
}
