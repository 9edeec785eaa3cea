import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, type DecodeReason } from '../../../src/codec/errors.js';
import { createDecoder, sniffFormat } from '../../../src/ingest/formats/index.js';
import { CollectingSink, utf8 } from './support.js';

/**
 * A metric event as Vector's JSON codec writes it: serde_json of vector-core's `Metric` — fields in
 * struct order (name, namespace, tags, timestamp, interval_ms, kind, then the value variant), absent
 * options left out, f64 written by ryu (`100.0`), the timestamp by chrono (RFC 3339, 0/3/6/9 fraction
 * digits). Compare the expected bytes in vectordotdev/vector lib/codecs/src/encoding/format/json.rs
 * (`serialize_json_metric_counter`), which the first test decodes verbatim.
 */
interface Event {
  name: string;
  namespace?: string;
  tags?: Record<string, string | (string | null)[] | null>;
  timestamp?: string;
  interval_ms?: number;
  kind: 'absolute' | 'incremental';
  value: Record<string, unknown>;
}
function f64(v: number | null): string {
  if (v === null) return 'null';
  return Number.isInteger(v) && Math.abs(v) < 1e16 ? v.toFixed(1) : String(v);
}
function json(v: unknown): string {
  if (typeof v === 'number') return f64(v);
  if (Array.isArray(v)) return '[' + v.map(json).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    return (
      '{' +
      Object.entries(v)
        .map(([k, x]) => JSON.stringify(k) + ':' + json(x))
        .join(',') +
      '}'
    );
  }
  return JSON.stringify(v);
}
function vectorRecord(e: Event): Uint8Array {
  const { value, ...rest } = e;
  return utf8(json({ ...rest, ...value }).replace(/"interval_ms":(\d+)\.0/, '"interval_ms":$1'));
}

const at = (s: number) =>
  new Date(Date.UTC(2026, 0, 15, 12, 0, s))
    .toISOString()
    .replace('Z', '000000Z')
    .replace(/\.(\d{3})000000Z/, '.$1Z');
const ms = (s: number) => Date.UTC(2026, 0, 15, 12, 0, s);

function run(records: Uint8Array[], now = () => 1_768_000_000_000) {
  const decoder = createDecoder('vector-json', { now });
  const sink = new CollectingSink();
  for (const r of records) decoder.decode(r, sink);
  return { decoder, samples: sink.samples.map((s) => [s.series, s.ts, s.value] as const) };
}

test("vector-json: Vector's own test record (incremental counter, namespace, nanosecond timestamp)", () => {
  const record = utf8(
    '{"name":"foos","namespace":"vector","tags":{"Key3":"Value3","key1":"value1","key2":"value2"},"timestamp":"2018-11-14T08:09:10.000000011Z","kind":"incremental","counter":{"value":100.0}}',
  );
  const next = utf8(
    '{"name":"foos","namespace":"vector","tags":{"Key3":"Value3","key1":"value1","key2":"value2"},"timestamp":"2018-11-14T08:09:20.000000011Z","kind":"incremental","counter":{"value":50.0}}',
  );
  const { decoder, samples } = run([record, next]);
  // no interval_ms: the first increment has no interval; the second is 50 over the 10 s since the first
  assert.deepEqual(samples, [['vector_foos{Key3="Value3",key1="value1",key2="value2"}', Date.UTC(2018, 10, 14, 8, 9, 20), 5]]);
  assert.equal(decoder.skipped.first_point, 1);
});

test('vector-json: absolute gauge → namespace_name{tags}, the value', () => {
  const { samples } = run([
    vectorRecord({
      name: 'memory_used_bytes',
      namespace: 'host',
      tags: { host: 'a' },
      timestamp: at(0),
      kind: 'absolute',
      value: { gauge: { value: 1024 } },
    }),
  ]);
  assert.deepEqual(samples, [['host_memory_used_bytes{host="a"}', ms(0), 1024]]);
});

test('vector-json: absolute counter → rate per second between events, a reset counts from zero', () => {
  const c = (s: number, v: number) =>
    vectorRecord({ name: 'requests_total', tags: { code: '200' }, timestamp: at(s), kind: 'absolute', value: { counter: { value: v } } });
  const { samples, decoder } = run([c(0, 1000), c(10, 1500), c(20, 1600), c(30, 40)]);
  assert.deepEqual(samples, [
    ['requests_total{code="200"}', ms(10), 50],
    ['requests_total{code="200"}', ms(20), 10],
    ['requests_total{code="200"}', ms(30), 4],
  ]);
  assert.equal(decoder.skipped.first_point, 1);
});

test('vector-json: incremental counter with interval_ms → value / interval', () => {
  const { samples } = run([
    vectorRecord({ name: 'events', timestamp: at(0), interval_ms: 15000, kind: 'incremental', value: { counter: { value: 30 } } }),
  ]);
  assert.deepEqual(samples, [['events', ms(0), 2]]);
});

test('vector-json: multi-valued tags take the last value, bare tags are left out; no timestamp takes the clock', () => {
  const { samples } = run(
    [
      vectorRecord({
        name: 'g',
        tags: { a: ['first', null, 'second'], bare: null, 'b.c': 'x' },
        kind: 'absolute',
        value: { gauge: { value: 1.5 } },
      }),
    ],
    () => 1_768_000_000_123,
  );
  assert.deepEqual(samples, [['g{a="second",b_c="x"}', 1_768_000_000_123, 1.5]]);
});

test('vector-json: aggregated histogram (absolute) → _count/_sum rates and quantiles of the interval', () => {
  const h = (s: number, counts: number[], count: number, sum: number) =>
    vectorRecord({
      name: 'latency_seconds',
      timestamp: at(s),
      kind: 'absolute',
      value: {
        aggregated_histogram: {
          buckets: [
            { upper_limit: 0.1, count: counts[0] },
            { upper_limit: 0.5, count: counts[1] },
            { upper_limit: 1, count: counts[2] },
          ],
          count,
          sum,
        },
      },
    });
  const { samples } = run([h(0, [100, 0, 0], 100, 5), h(10, [100, 200, 0], 300, 85)]);
  const by = new Map(samples.map(([s, , v]) => [s, v]));
  assert.equal(by.get('latency_seconds_count'), 20);
  assert.equal(by.get('latency_seconds_sum'), 8);
  // the interval's 200 observations are all in (0.1, 0.5]
  assert.ok(Math.abs(by.get('latency_seconds{quantile="0.5"}')! - 0.3) < 1e-12);
  assert.ok(Math.abs(by.get('latency_seconds{quantile="0.9"}')! - 0.46) < 1e-12);
  assert.equal(samples.length, 5);
});

test('vector-json: aggregated summary → quantile values, _count/_sum rates', () => {
  const s = (t: number, count: number, sum: number) =>
    vectorRecord({
      name: 'rpc',
      timestamp: at(t),
      kind: 'absolute',
      value: {
        aggregated_summary: {
          quantiles: [
            { quantile: 0.5, value: 0.2 },
            { quantile: 0.99, value: 0.9 },
          ],
          count,
          sum,
        },
      },
    });
  const { samples } = run([s(0, 10, 2), s(10, 30, 6)]);
  assert.deepEqual(samples.slice(2), [
    ['rpc{quantile="0.5"}', ms(10), 0.2],
    ['rpc{quantile="0.99"}', ms(10), 0.9],
    ['rpc_count', ms(10), 2],
    ['rpc_sum', ms(10), 0.4],
  ]);
});

test('vector-json: set, distribution and incremental gauge are skipped and counted', () => {
  const { samples, decoder } = run([
    utf8('{"name":"users","kind":"incremental","set":{"values":["bob"]}}'),
    utf8('{"name":"glork","kind":"incremental","distribution":{"samples":[{"value":10.0,"rate":1}],"statistic":"histogram"}}'),
    vectorRecord({ name: 'g', kind: 'incremental', value: { gauge: { value: 1 } } }),
  ]);
  assert.equal(samples.length, 0);
  assert.equal(decoder.skipped.unsupported, 3);
});

const GOOD = '{"name":"g","kind":"absolute","gauge":{"value":1.0}}';
const BAD: [string, string, DecodeReason][] = [
  ['empty value', '', 'empty_value'],
  ['not JSON', 'g 1', 'not_json'],
  ['an array', '[' + GOOD + ']', 'bad_shape'],
  ['no name', '{"kind":"absolute","gauge":{"value":1.0}}', 'missing_field'],
  ['no kind', '{"name":"g","gauge":{"value":1.0}}', 'missing_field'],
  ['an unknown kind', '{"name":"g","kind":"delta","gauge":{"value":1.0}}', 'bad_shape'],
  ['no value at all', '{"name":"g","kind":"absolute"}', 'missing_field'],
  ['a null value (NaN or Inf in Vector)', '{"name":"g","kind":"absolute","gauge":{"value":null}}', 'non_finite_value'],
  ['a string value', '{"name":"g","kind":"absolute","gauge":{"value":"1"}}', 'bad_shape'],
  ['tags a list', '{"name":"g","tags":["a"],"kind":"absolute","gauge":{"value":1.0}}', 'bad_shape'],
  ['a tag value a number', '{"name":"g","tags":{"a":1},"kind":"absolute","gauge":{"value":1.0}}', 'bad_shape'],
  ['timestamp a number', '{"name":"g","timestamp":1768478400,"kind":"absolute","gauge":{"value":1.0}}', 'bad_shape'],
  ['timestamp not RFC 3339', '{"name":"g","timestamp":"yesterday","kind":"absolute","gauge":{"value":1.0}}', 'bad_timestamp'],
  ['histogram buckets not a list', '{"name":"h","kind":"absolute","aggregated_histogram":{"buckets":{},"count":1,"sum":1.0}}', 'bad_shape'],
];
for (const [what, input, reason] of BAD) {
  test(`vector-json: ${what} → DecodeError ${reason}`, () => {
    assert.throws(
      () => createDecoder('vector-json').decode(utf8(input), new CollectingSink()),
      (e: unknown) => e instanceof DecodeError && e.reason === reason,
    );
  });
}

test('sniffFormat: Vector metric events', () => {
  assert.equal(sniffFormat(utf8(GOOD)), 'vector-json');
  assert.equal(
    sniffFormat(vectorRecord({ name: 'c', tags: { a: 'b' }, timestamp: at(0), kind: 'absolute', value: { counter: { value: 1 } } })),
    'vector-json',
  );
});
