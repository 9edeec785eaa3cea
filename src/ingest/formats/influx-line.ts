/**
 * Telegraf `outputs.kafka` with `data_format = "influx"`: InfluxDB line protocol, one or more lines per
 * record (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/):
 *
 *   measurement[,tag=value…] field=value[,field=value…] [timestamp]
 *
 * - One series per numeric field: `measurement_field{tags}` (Telegraf's own Prometheus naming,
 *   plugins/serializers/prometheus `MetricName`; the `prometheus` measurement, which Telegraf's
 *   Prometheus input writes with metric_version 2, names its series by the field alone). Names and
 *   tag keys are sanitised (names.ts).
 * - Field values: floats (`1`, `-1.5`, `1e3`), integers `12i`, unsigned `12u`, booleans (`t`, `true`,
 *   `True`, `TRUE`, `f`, …) → 1 / 0. String fields ("…") are skipped and counted (`string_field`); a
 *   float too large for a double (∞) is skipped and counted (`non_finite_value`).
 * - Escapes: `\,` and `\ ` in the measurement; `\,`, `\=`, `\ ` in tag keys, tag values and field keys;
 *   `\"` and `\\` in string fields; a backslash before anything else is itself.
 * - The timestamp is Unix ns (Telegraf's default precision); one before the year 2000 is a precision
 *   mistake → `bad_timestamp`. A line without one takes the decoder's
 *   clock (`now`, read once per record): that is what InfluxDB does with such a line (server time).
 *   Telegraf always writes one.
 * - Empty lines and `#` comments are skipped. Anything malformed → `bad_shape` naming the line and
 *   column; the record is dead-lettered whole (its lines are one Telegraf flush).
 *
 * Line protocol carries no metric type, so counters come through as their raw values (no rate).
 */
import { DecodeError } from '../../codec/errors.js';
import { formatSeriesId } from '../../codec/series-id.js';
import type { IngestDecoder, SampleSink } from '../format.js';
import { BoundedMap } from './bounded-map.js';
import { recordText } from './json.js';
import { sanitiseLabelName, sanitiseMetricName } from './names.js';
import type { DecoderOptions } from './options.js';
import { newSkipCounts, type SkipCounts } from './skips.js';
import { checkMs } from './time.js';

/** A line-protocol timestamp before 2000 is a precision mistake (s, ms or µs read as ns), not a time. */
const MIN_PLAUSIBLE_MS = Date.UTC(2000, 0, 1);
const SPACE = 0x20;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;

/** One measurement + tag set as written (the raw text is the cache key): its ids by raw field key. */
interface LineSeries {
  measurement: string;
  labels: Record<string, string>;
  ids: Map<string, string>;
}

export class InfluxLineDecoder implements IngestDecoder {
  readonly format = 'influx-line' as const;
  readonly skipped: SkipCounts = newSkipCounts();
  readonly #series: BoundedMap<string, LineSeries>;
  readonly #now: () => number;

  constructor(options: DecoderOptions) {
    this.#series = new BoundedMap(options.maxSeries);
    this.#now = options.now;
  }

  decode(value: Uint8Array, sink: SampleSink): void {
    const text = recordText(value, 'bad_shape');
    this.#nowMs = NaN;
    let lines = 0;
    let lineNo = 0;
    for (let start = 0; start <= text.length; ) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      lineNo++;
      let stop = end;
      if (stop > start && text.charCodeAt(stop - 1) === 0x0d) stop--;
      if (stop > start && text.charCodeAt(start) !== 0x23 /* # */) {
        this.#line(text, start, stop, lineNo, sink);
        lines++;
      }
      start = end + 1;
    }
    if (lines === 0) throw new DecodeError('bad_shape', 'the record holds no line-protocol line (only blank lines or comments)');
  }

  /** The clock for lines without a timestamp, read at the first such line of a record (NaN: not yet). */
  #nowMs = NaN;

  /** Parses one line and pushes its samples. */
  #line(text: string, start: number, end: number, lineNo: number, sink: SampleSink): void {
    const fail = (at: number, what: string): never => {
      const line = text.slice(start, end);
      throw new DecodeError(
        'bad_shape',
        `line protocol, line ${lineNo}, column ${at - start + 1}: ${what}: ${JSON.stringify(line.length > 120 ? line.slice(0, 120) + '…' : line)}`,
      );
    };
    // The series key: measurement and tags, up to the first unescaped space.
    let i = start;
    let keyEnd = -1;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) i++;
      else if (c === SPACE) {
        keyEnd = i;
        break;
      }
    }
    if (keyEnd < 0) fail(end, 'expected a space and fields after the measurement and tags');
    if (keyEnd === start) fail(start, 'expected a measurement name');
    const seriesKey = text.slice(start, keyEnd);
    let series = this.#series.get(seriesKey);
    if (series === undefined) {
      series = parseSeriesKey(text, start, keyEnd, fail);
      this.#series.set(seriesKey, series);
    }
    // The timestamp: after the last unescaped space outside a string field, if what follows is one.
    const fieldsStart = keyEnd + 1;
    let fieldsEnd = end;
    let tsMs = NaN;
    const lastSpace = lastSpaceOutsideStrings(text, fieldsStart, end);
    if (lastSpace >= 0) {
      fieldsEnd = lastSpace;
      tsMs = nsTextToMs(text, lastSpace + 1, end);
      if (Number.isNaN(tsMs)) fail(lastSpace + 1, 'expected a timestamp (an integer of Unix ns)');
      if (tsMs < MIN_PLAUSIBLE_MS) {
        throw new DecodeError(
          'bad_timestamp',
          `line protocol, line ${lineNo}: timestamp ${text.slice(lastSpace + 1, end)} is before 2000 as Unix ns: set Telegraf's precision to ns (the default)`,
        );
      }
      checkMs(tsMs, `line ${lineNo} timestamp / 1e6`, text.slice(lastSpace + 1, end));
    } else {
      if (Number.isNaN(this.#nowMs)) this.#nowMs = this.#now();
      tsMs = this.#nowMs;
    }
    if (fieldsEnd === fieldsStart) fail(fieldsStart, 'expected at least one field');
    // The fields: key=value, comma-separated.
    let fieldCount = 0;
    for (i = fieldsStart; i < fieldsEnd; ) {
      const keyStart = i;
      for (; i < fieldsEnd; i++) {
        const c = text.charCodeAt(i);
        if (c === BACKSLASH) i++;
        else if (c === EQUALS) break;
        else if (c === COMMA || c === SPACE) fail(i, 'expected = after a field key');
      }
      if (i >= fieldsEnd) fail(keyStart, 'expected field=value');
      if (i === keyStart) fail(i, 'empty field key');
      const fieldKey = text.slice(keyStart, i);
      i++; // =
      const valueStart = i;
      let x: number;
      if (text.charCodeAt(i) === QUOTE) {
        for (i++; i < fieldsEnd; i++) {
          const c = text.charCodeAt(i);
          if (c === BACKSLASH) i++;
          else if (c === QUOTE) break;
        }
        if (i >= fieldsEnd) fail(valueStart, 'unterminated string field');
        i++; // closing quote
        x = NaN;
        this.skipped.string_field++;
      } else {
        while (i < fieldsEnd && text.charCodeAt(i) !== COMMA) i++;
        x = fieldValue(text, valueStart, i);
        if (Number.isNaN(x)) fail(valueStart, `bad field value ${JSON.stringify(text.slice(valueStart, i))}`);
        if (!Number.isFinite(x)) {
          this.skipped.non_finite_value++;
          x = NaN;
        }
      }
      fieldCount++;
      if (i < fieldsEnd) {
        if (text.charCodeAt(i) !== COMMA) fail(i, 'expected , or a space after a field value');
        i++;
        if (i === fieldsEnd) fail(i, 'expected a field after ,');
      }
      if (Number.isNaN(x)) continue;
      let id = series.ids.get(fieldKey);
      if (id === undefined) {
        const field = unescape(fieldKey);
        const name = series.measurement === 'prometheus' ? field : series.measurement + '_' + field;
        id = formatSeriesId(sanitiseMetricName(name), series.labels);
        series.ids.set(fieldKey, id);
      }
      sink.push(id, tsMs, x);
    }
    if (fieldCount === 0) fail(fieldsStart, 'expected at least one field');
  }
}

function parseSeriesKey(text: string, start: number, end: number, fail: (at: number, what: string) => never): LineSeries {
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === COMMA) break;
  }
  const measurement = unescape(text.slice(start, i));
  if (measurement === '') fail(start, 'expected a measurement name');
  const labels: Record<string, string> = {};
  while (i < end) {
    i++; // the comma
    const keyStart = i;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) i++;
      else if (c === EQUALS) break;
      else if (c === COMMA) fail(i, 'expected = in a tag');
    }
    if (i >= end || i === keyStart) fail(keyStart, 'expected tag=value');
    const key = unescape(text.slice(keyStart, i));
    const valueStart = ++i;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) i++;
      else if (c === COMMA) break;
      else if (c === EQUALS) fail(i, 'an unescaped = in a tag value');
    }
    if (i === valueStart) fail(valueStart, `empty value of tag ${JSON.stringify(key)}`);
    const label = sanitiseLabelName(key);
    if (label !== null) labels[label] = unescape(text.slice(valueStart, Math.min(i, end)));
  }
  return { measurement, labels, ids: new Map() };
}

/** Removes line protocol's escapes (`\,`, `\=`, `\ `); any other backslash stays. */
function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([, =])/g, '$1');
}

/** The last space not inside a string field and not escaped, from `from`; -1 if none. */
function lastSpaceOutsideStrings(text: string, from: number, end: number): number {
  let inString = false;
  let last = -1;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) inString = !inString;
    else if (c === SPACE && !inString) last = i;
  }
  return last;
}

/** A timestamp of Unix ns as text → Unix ms (floored); NaN when it is not an integer. */
function nsTextToMs(text: string, start: number, end: number): number {
  const neg = text.charCodeAt(start) === 0x2d;
  const digitsStart = neg ? start + 1 : start;
  if (digitsStart >= end || end - digitsStart > 19) return NaN;
  for (let i = digitsStart; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return NaN;
  }
  if (neg) return -1; // before 1970: out of range, reported by the caller
  // The ms are all digits but the last six: exact in a double (≤ 13 digits until year 2286).
  const msEnd = end - 6;
  return msEnd <= digitsStart ? 0 : Number(text.slice(digitsStart, msEnd));
}

/** A non-string field value: float, `…i`, `…u`, or a boolean word. NaN when none of them. */
function fieldValue(text: string, start: number, end: number): number {
  if (start >= end) return NaN;
  const last = text.charCodeAt(end - 1);
  if (last === 0x69 /* i */ || last === 0x75 /* u */) {
    const signed = last === 0x69;
    let i = start;
    if (signed && text.charCodeAt(i) === 0x2d) i++;
    if (i >= end - 1) return NaN;
    for (; i < end - 1; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return NaN;
    }
    return Number(text.slice(start, end - 1));
  }
  const first = text.charCodeAt(start);
  if ((first >= 0x30 && first <= 0x39) || first === 0x2d || first === 0x2b || first === 0x2e) {
    // Digits, sign, point and exponent only; Number() rejects any misplaced one ('1-2', '1e', '.').
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (!((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || (c | 0x20) === 0x65)) return NaN;
    }
    return Number(text.slice(start, end));
  }
  switch (text.slice(start, end)) {
    case 't':
    case 'T':
    case 'true':
    case 'True':
    case 'TRUE':
      return 1;
    case 'f':
    case 'F':
    case 'false':
    case 'False':
    case 'FALSE':
      return 0;
  }
  return NaN;
}
