import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, type DecodeReason } from '../../../src/codec/errors.js';
import { createDecoder, sniffFormat } from '../../../src/ingest/formats/index.js';
import { CollectingSink, utf8 } from './support.js';

/**
 * A record exactly as prometheus-kafka-adapter writes it (Telefonica/prometheus-kafka-adapter,
 * serializers.go `Serialize` + `JSONSerializer.Marshal`): Go's encoding/json on
 * map[string]interface{} — keys sorted, the labels map sorted, `<`, `>`, `&`, U+2028 and U+2029
 * escaped; `timestamp` is `time.Unix(ms/1000, 0).UTC().Format(time.RFC3339)` (whole seconds);
 * `value` is `strconv.FormatFloat(v, 'f', -1, 64)`.
 */
function adapterRecord(labels: Record<string, string>, ms: number, value: number | string): Uint8Array {
  const sortedLabels: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) sortedLabels[k] = labels[k]!;
  const m = {
    labels: sortedLabels,
    name: labels['__name__'] ?? '',
    timestamp: new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    value: typeof value === 'string' ? value : goFormatFloat(value),
  };
  const json = JSON.stringify(m).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return utf8(json);
}

/** strconv.FormatFloat(v, 'f', -1, 64) for the values used here (no exponent form in 'f'). */
function goFormatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  assert.ok(!s.includes('e'), `test helper: ${s} needs Go's non-exponent formatting, write it as a string`);
  return s;
}

const T = Date.UTC(2026, 0, 15, 12, 0, 0, 789);
const T_S = Math.floor(T / 1000) * 1000;

test('adapter: one sample per record, canonical id (sorted labels, no __name__), time in whole seconds', () => {
  const decoder = createDecoder('prometheus-kafka-adapter');
  const sink = new CollectingSink();
  decoder.decode(adapterRecord({ __name__: 'http_requests_total', job: 'api', code: '200', instance: 'a:9090' }, T, 12.5), sink);
  assert.deepEqual(sink.samples, [{ series: 'http_requests_total{code="200",instance="a:9090",job="api"}', ts: T_S, value: 12.5 }]);
});

test('adapter: label values escaped as the series id wants; Go HTML escapes undone by JSON', () => {
  const decoder = createDecoder('prometheus-kafka-adapter');
  const sink = new CollectingSink();
  decoder.decode(adapterRecord({ __name__: 'up', path: '/a?b=1&c=<2>', quote: 'say "hi"\n' }, T, 1), sink);
  assert.equal(sink.samples[0]!.series, 'up{path="/a?b=1&c=<2>",quote="say \\"hi\\"\\n"}');
});

test('adapter: UTF-8 metric and label names (Prometheus 3) are sanitised; other __ labels left out', () => {
  const decoder = createDecoder('prometheus-kafka-adapter');
  const sink = new CollectingSink();
  decoder.decode(adapterRecord({ __name__: 'http.server.duration', 'http.method': 'GET', '1st': 'x', __meta_x: 'y' }, T, 0.25), sink);
  assert.equal(sink.samples[0]!.series, 'http_server_duration{http_method="GET",key_1st="x"}');
});

test('adapter: many records of a few series give the same id per series, also past the cache bound', () => {
  const decoder = createDecoder('prometheus-kafka-adapter', { maxSeries: 2 });
  const sink = new CollectingSink();
  for (let round = 0; round < 3; round++) {
    for (let s = 0; s < 7; s++) decoder.decode(adapterRecord({ __name__: 'm', host: `h${s}` }, T + round * 1000, s + round), sink);
  }
  assert.equal(sink.samples.length, 21);
  for (let i = 0; i < 21; i++) {
    const s = i % 7;
    assert.deepEqual(sink.samples[i], { series: `m{host="h${s}"}`, ts: T_S + Math.floor(i / 7) * 1000, value: s + Math.floor(i / 7) });
  }
});

test('adapter: another key order (not the adapter own) decodes to the same id, and two series never share one', () => {
  const decoder = createDecoder('prometheus-kafka-adapter');
  const sink = new CollectingSink();
  decoder.decode(utf8('{"value":"1","timestamp":"2026-01-15T12:00:00Z","name":"m","labels":{"__name__":"m","b":"2","a":"1"}}'), sink);
  decoder.decode(utf8('{"value":"1","timestamp":"2026-01-15T12:00:00Z","name":"m","labels":{"__name__":"m","b":"2","a":"3"}}'), sink);
  decoder.decode(adapterRecord({ __name__: 'm', a: '1', b: '2' }, T, 2), sink);
  assert.deepEqual(
    sink.samples.map((s) => s.series),
    ['m{a="1",b="2"}', 'm{a="3",b="2"}', 'm{a="1",b="2"}'],
  );
});

test('adapter: NaN (the staleness marker) is dropped and counted, not dead-lettered', () => {
  const decoder = createDecoder('prometheus-kafka-adapter');
  const sink = new CollectingSink();
  decoder.decode(adapterRecord({ __name__: 'up', job: 'api' }, T, NaN), sink);
  decoder.decode(adapterRecord({ __name__: 'up', job: 'api' }, T, 1), sink);
  assert.equal(sink.samples.length, 1);
  assert.equal(decoder.skipped.stale_marker, 1);
});

test('adapter: values as Go writes them, large and small, negative and zero', () => {
  const decoder = createDecoder('prometheus-kafka-adapter');
  const sink = new CollectingSink();
  for (const v of ['1000000000000000000000', '0.000001', '-3.25', '0', '-0']) decoder.decode(adapterRecord({ __name__: 'm' }, T, v), sink);
  assert.deepEqual(
    sink.samples.map((s) => s.value),
    [1e21, 1e-6, -3.25, 0, -0],
  );
});

const GOOD = { labels: { __name__: 'up', job: 'api' }, name: 'up', timestamp: '2026-01-15T12:00:00Z', value: '1' };
const BAD: [string, string | Uint8Array, DecodeReason][] = [
  ['empty value', '', 'empty_value'],
  ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'not_json'],
  ['truncated JSON', JSON.stringify(GOOD).slice(0, 30), 'not_json'],
  ['an array', '[1,2]', 'bad_shape'],
  ['a number', '42', 'bad_shape'],
  ['no timestamp', JSON.stringify({ ...GOOD, timestamp: undefined }), 'missing_field'],
  ['no value', JSON.stringify({ ...GOOD, value: undefined }), 'missing_field'],
  ['no labels', JSON.stringify({ ...GOOD, labels: undefined }), 'missing_field'],
  ['no name anywhere', JSON.stringify({ ...GOOD, name: undefined, labels: { job: 'api' } }), 'missing_field'],
  ['timestamp as a number', JSON.stringify({ ...GOOD, timestamp: 1768478400 }), 'bad_shape'],
  ['timestamp not RFC 3339', JSON.stringify({ ...GOOD, timestamp: '2026-01-15 12:00' }), 'bad_timestamp'],
  ['timestamp at the epoch', JSON.stringify({ ...GOOD, timestamp: '1970-01-01T00:00:00Z' }), 'bad_timestamp'],
  ['timestamp past year 3000', JSON.stringify({ ...GOOD, timestamp: '3001-01-01T00:00:00Z' }), 'bad_timestamp'],
  ['value as a number', JSON.stringify({ ...GOOD, value: 1 }), 'bad_shape'],
  ['value not a number', JSON.stringify({ ...GOOD, value: 'one' }), 'bad_shape'],
  ['value empty', JSON.stringify({ ...GOOD, value: '' }), 'bad_shape'],
  ['value with a space', JSON.stringify({ ...GOOD, value: ' 1' }), 'bad_shape'],
  ['value in hex', JSON.stringify({ ...GOOD, value: '0x10' }), 'bad_shape'],
  ['value +Inf', JSON.stringify({ ...GOOD, value: '+Inf' }), 'non_finite_value'],
  ['value -Inf', JSON.stringify({ ...GOOD, value: '-Inf' }), 'non_finite_value'],
  ['labels an array', JSON.stringify({ ...GOOD, labels: ['a'] }), 'bad_shape'],
  ['a label value a number', JSON.stringify({ ...GOOD, labels: { __name__: 'up', code: 200 } }), 'bad_shape'],
  ['name empty', JSON.stringify({ ...GOOD, name: '' }), 'bad_shape'],
];

// Each case twice: on a fresh decoder, and on one that has seen the series (GOOD's labels and name),
// where a record in the adapter's layout takes the fast path that skips JSON.parse.
for (const primed of [false, true]) {
  for (const [what, input, reason] of BAD) {
    test(`adapter${primed ? ' (series seen before)' : ''}: ${what} → DecodeError ${reason}, nothing pushed`, () => {
      const decoder = createDecoder('prometheus-kafka-adapter');
      const sink = new CollectingSink();
      if (primed) {
        decoder.decode(utf8(JSON.stringify(GOOD)), sink);
        sink.clear();
      }
      assert.throws(
        () => decoder.decode(typeof input === 'string' ? utf8(input) : input, sink),
        (e: unknown) => e instanceof DecodeError && e.reason === reason,
      );
      assert.equal(sink.samples.length, 0);
    });
  }
}

test('adapter: a seen series with a tail that is not the adapter layout takes the slow path and decodes right', () => {
  const decoder = createDecoder('prometheus-kafka-adapter');
  const sink = new CollectingSink();
  decoder.decode(utf8(JSON.stringify(GOOD)), sink);
  decoder.decode(utf8(JSON.stringify({ ...GOOD, value: '2', extra: 'x' })), sink);
  decoder.decode(utf8(JSON.stringify(GOOD).replace('"value":"1"', '"value":"\u0033"')), sink);
  decoder.decode(utf8(JSON.stringify(GOOD) + '\n'), sink);
  assert.deepEqual(
    sink.samples.map((s) => [s.series, s.value]),
    [
      ['up{job="api"}', 1],
      ['up{job="api"}', 2],
      ['up{job="api"}', 3],
      ['up{job="api"}', 1],
    ],
  );
});

test('sniffFormat: an adapter record is recognised', () => {
  assert.equal(sniffFormat(adapterRecord({ __name__: 'up', job: 'api' }, T, 1)), 'prometheus-kafka-adapter');
  assert.equal(sniffFormat(utf8('')), undefined);
  assert.equal(sniffFormat(utf8('{"something":"else"}')), undefined);
});
