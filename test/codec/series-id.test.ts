import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../src/codec/errors.js';
import { canonicalSeriesId, escapeLabelValue, formatSeriesId, parseSeriesId, parseSeriesIdBytes } from '../../src/codec/series-id.js';

function throwsDecode(fn: () => unknown, reason: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
    assert.equal(e.reason, reason);
    assert.equal(e.retriable, false);
    assert.match(e.message, message);
    return true;
  });
}

test('format sorts labels by name and escapes values', () => {
  assert.equal(
    formatSeriesId('http_requests_total', { method: 'GET', code: '200', path: 'a"b\\c\nd' }),
    'http_requests_total{code="200",method="GET",path="a\\"b\\\\c\\nd"}',
  );
});

test('format: no labels gives the bare name, empty values are left out', () => {
  assert.equal(formatSeriesId('up', {}), 'up');
  assert.equal(formatSeriesId('up', { job: '' }), 'up');
  assert.equal(formatSeriesId('up', { job: 'a', zone: '' }), 'up{job="a"}');
});

test('format rejects bad names with bad_series', () => {
  throwsDecode(() => formatSeriesId('1up', {}), 'bad_series', /metric name "1up" must match/);
  throwsDecode(() => formatSeriesId('up', { 'a-b': 'x' }), 'bad_series', /label name "a-b" must match/);
  throwsDecode(() => formatSeriesId('up', { a: 'x', 'bad:name': '' }), 'bad_series', /label name "bad:name"/);
  throwsDecode(() => formatSeriesId('up', { __name__: 'x' }), 'bad_series', /reserves/);
});

test('round trip with escapes and unicode', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['up', {}],
    ['ns:metric_total', { a: 'x' }],
    ['m', { quote: '"', backslash: '\\', lf: '\n', mixed: 'a\\"\n\\n', unicode: 'héllo → 世界 😀', brace: '}{,=' }],
    ['_', { _: '_' }],
  ];
  for (const [name, labels] of cases) {
    const id = formatSeriesId(name, labels);
    assert.deepEqual(parseSeriesId(id), { name, labels });
    assert.deepEqual(parseSeriesIdBytes(Buffer.from(id)), { name, labels });
    assert.equal(canonicalSeriesId(id), id);
  }
});

test('parse is lenient on order, trailing comma, {} and empty values; canonicalSeriesId fixes them', () => {
  assert.deepEqual(parseSeriesId('up{}'), { name: 'up', labels: {} });
  assert.deepEqual(parseSeriesId('up{b="2",a="1",}'), { name: 'up', labels: { a: '1', b: '2' } });
  assert.deepEqual(parseSeriesId('up{a="",b="x"}'), { name: 'up', labels: { b: 'x' } });
  assert.equal(canonicalSeriesId('up{}'), 'up');
  assert.equal(canonicalSeriesId('up{b="2",a="1",}'), 'up{a="1",b="2"}');
});

test('parse errors say what is wrong and where', () => {
  throwsDecode(() => parseSeriesId(''), 'bad_key', /at position 0: expected a metric name .*got the end/);
  throwsDecode(() => parseSeriesId('9up'), 'bad_key', /at position 0: expected a metric name/);
  throwsDecode(() => parseSeriesId('up x'), 'bad_key', /at position 2: expected '\{' or the end after the metric name, got " "/);
  throwsDecode(() => parseSeriesId('up{a="1"'), 'bad_key', /at position 8: expected ',' or '\}'/);
  throwsDecode(() => parseSeriesId('up{a="1'), 'bad_key', /at position 7: unterminated value of label "a"/);
  throwsDecode(() => parseSeriesId('up{a=1}'), 'bad_key', /at position 5: expected '"' to open the value of label "a", got "1"/);
  throwsDecode(() => parseSeriesId('up{a:b="1"}'), 'bad_key', /at position 4: expected '=' after label name "a", got ":"/);
  throwsDecode(() => parseSeriesId('up{1a="1"}'), 'bad_key', /at position 3: expected a label name/);
  throwsDecode(() => parseSeriesId('up{a="1",a="2"}'), 'bad_key', /at position 9: duplicate label "a"/);
  throwsDecode(() => parseSeriesId('up{__name__="x"}'), 'bad_key', /at position 3: label name "__name__" starts with "__"/);
  throwsDecode(() => parseSeriesId('up{a="x\\t"}'), 'bad_key', /at position 7: unknown escape \\t/);
  throwsDecode(() => parseSeriesId('up{a="x\ny"}'), 'bad_key', /at position 7: raw line feed/);
  throwsDecode(() => parseSeriesId('up{a="x"}z'), 'bad_key', /at position 9: expected the end after '\}', got "z"/);
  throwsDecode(() => parseSeriesId('up{a="x" }'), 'bad_key', /at position 8/);
  throwsDecode(() => parseSeriesIdBytes(new Uint8Array([0x75, 0x70, 0xff])), 'bad_key', /not valid UTF-8/);
});

test('a label called __proto__ or constructor cannot reach the prototype', () => {
  throwsDecode(() => parseSeriesId('up{__proto__="x"}'), 'bad_key', /reserves/);
  const parsed = parseSeriesId('up{constructor="x"}');
  assert.equal(parsed.labels['constructor'], 'x');
  assert.equal(Object.getPrototypeOf(parsed.labels), Object.prototype);
});

test('escapeLabelValue leaves plain values alone', () => {
  const v = 'plain value';
  assert.equal(escapeLabelValue(v), v);
  assert.equal(escapeLabelValue('\\"\n'), '\\\\\\"\\n');
});
