import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, type DecodeReason } from '../../../src/codec/errors.js';
import { createDecoder, sniffFormat } from '../../../src/ingest/formats/index.js';
import { CollectingSink, utf8 } from './support.js';

interface Metric {
  name: string;
  tags: Record<string, string>;
  fields: Record<string, number | boolean | string>;
  timeNs: bigint;
}

const sorted = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]!]),
  );

/**
 * As Telegraf's JSON serializer writes it (influxdata/telegraf plugins/serializers/json/json.go:
 * `createObject`, then encoding/json on a map, keys sorted; `Serialize` adds '\n', `SerializeBatch`
 * wraps in {"metrics":[…]}); the timestamp is `UnixNano() / json_timestamp_units` (integer division).
 */
function object(m: Metric, unitsNs: bigint) {
  return { fields: sorted(m.fields), name: m.name, tags: sorted(m.tags), timestamp: Number(m.timeNs / unitsNs) };
}
const serialize = (m: Metric, unitsNs = 1_000_000_000n) => utf8(JSON.stringify(object(m, unitsNs)) + '\n');
const serializeBatch = (ms: Metric[], unitsNs = 1_000_000_000n) => utf8(JSON.stringify({ metrics: ms.map((m) => object(m, unitsNs)) }));

const T_NS = 1_768_478_400_123_456_789n;
const CPU: Metric = { name: 'cpu', tags: { host: 'web-1', cpu: 'cpu-total' }, fields: { usage_idle: 98.5, usage_user: 1 }, timeNs: T_NS };
const MIXED: Metric = { name: 'disk', tags: { path: '/' }, fields: { free: 1024, ro: false, mode: 'rw', ok: true }, timeNs: T_NS };

test('telegraf-json: one metric per record (default seconds): one series per field', () => {
  const decoder = createDecoder('telegraf-json');
  const sink = new CollectingSink();
  decoder.decode(serialize(CPU), sink);
  assert.deepEqual(
    sink.samples.map((s) => [s.series, s.ts, s.value]),
    [
      ['cpu_usage_idle{cpu="cpu-total",host="web-1"}', 1_768_478_400_000, 98.5],
      ['cpu_usage_user{cpu="cpu-total",host="web-1"}', 1_768_478_400_000, 1],
    ],
  );
});

test('telegraf-json: the batch format; booleans 0/1, string fields skipped and counted', () => {
  const decoder = createDecoder('telegraf-json');
  const sink = new CollectingSink();
  decoder.decode(serializeBatch([CPU, MIXED]), sink);
  assert.deepEqual(
    sink.samples.slice(2).map((s) => [s.series, s.value]),
    [
      ['disk_free{path="/"}', 1024],
      ['disk_ok{path="/"}', 1],
      ['disk_ro{path="/"}', 0],
    ],
  );
  assert.equal(decoder.skipped.string_field, 1);
});

test('telegraf-json: json_timestamp_units 1ms, 1us and 1ns are told apart by magnitude', () => {
  for (const [units, ms] of [
    [1_000_000n, 1_768_478_400_123],
    [1_000n, 1_768_478_400_123],
    [1n, 1_768_478_400_123],
  ] as const) {
    const sink = new CollectingSink();
    createDecoder('telegraf-json').decode(serialize(CPU, units), sink);
    assert.equal(sink.samples[0]!.ts, ms, `units ${units} ns`);
  }
});

test('telegraf-json: json_timestamp_format with an RFC 3339 layout', () => {
  const sink = new CollectingSink();
  createDecoder('telegraf-json').decode(utf8('{"fields":{"v":1},"name":"m","tags":{},"timestamp":"2026-01-15T12:00:00.5Z"}'), sink);
  assert.deepEqual(sink.samples, [{ series: 'm_v', ts: Date.UTC(2026, 0, 15, 12, 0, 0, 500), value: 1 }]);
});

const GOOD = { fields: { v: 1 }, name: 'm', tags: { a: 'b' }, timestamp: 1768478400 };
const BAD: [string, string, DecodeReason][] = [
  ['empty value', '', 'empty_value'],
  ['not JSON', 'cpu usage=1', 'not_json'],
  ['an array', '[]', 'bad_shape'],
  ['no name', JSON.stringify({ ...GOOD, name: undefined }), 'missing_field'],
  ['no fields', JSON.stringify({ ...GOOD, fields: undefined }), 'missing_field'],
  ['no timestamp', JSON.stringify({ ...GOOD, timestamp: undefined }), 'missing_field'],
  ['fields a list', JSON.stringify({ ...GOOD, fields: [1] }), 'bad_shape'],
  ['a tag value a number', JSON.stringify({ ...GOOD, tags: { a: 1 } }), 'bad_shape'],
  ['timestamp zero', JSON.stringify({ ...GOOD, timestamp: 0 }), 'bad_timestamp'],
  ['timestamp not RFC 3339', JSON.stringify({ ...GOOD, timestamp: 'Jan 15 2026' }), 'bad_timestamp'],
  ['timestamp a bool', JSON.stringify({ ...GOOD, timestamp: true }), 'bad_shape'],
  ['metrics not a list', JSON.stringify({ metrics: {} }), 'bad_shape'],
  ['a batch entry not an object', JSON.stringify({ metrics: [GOOD, 1] }), 'bad_shape'],
];
for (const [what, input, reason] of BAD) {
  test(`telegraf-json: ${what} → DecodeError ${reason}`, () => {
    assert.throws(
      () => createDecoder('telegraf-json').decode(utf8(input), new CollectingSink()),
      (e: unknown) => e instanceof DecodeError && e.reason === reason,
    );
  });
}

test('sniffFormat: Telegraf JSON, single and batch', () => {
  assert.equal(sniffFormat(serialize(CPU)), 'telegraf-json');
  assert.equal(sniffFormat(serializeBatch([CPU])), 'telegraf-json');
});
