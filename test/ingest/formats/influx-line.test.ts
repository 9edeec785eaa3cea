import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, type DecodeReason } from '../../../src/codec/errors.js';
import { createDecoder, sniffFormat } from '../../../src/ingest/formats/index.js';
import { CollectingSink, utf8 } from './support.js';

// Records written by hand per the InfluxDB line protocol reference
// (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/): Telegraf is not packaged
// for Debian, and its influx serializer writes exactly this syntax (tags sorted, ns timestamps, one
// line per metric, '\n' after each).
const NS = '1768478400123456789';
const MS = 1768478400123;

function decode(text: string, now = () => 42_000_000_000_000) {
  const decoder = createDecoder('influx-line', { now });
  const sink = new CollectingSink();
  decoder.decode(utf8(text), sink);
  return { decoder, samples: sink.samples.map((s) => [s.series, s.ts, s.value] as const) };
}

test('influx-line: several lines, several fields each → one series per field, measurement_field{tags}', () => {
  const { samples } = decode(
    `cpu,cpu=cpu0,host=web-1 usage_user=12.5,usage_system=3.25 ${NS}\n` + `mem,host=web-1 used=1024i,free=99u ${NS}\n`,
  );
  assert.deepEqual(samples, [
    ['cpu_usage_user{cpu="cpu0",host="web-1"}', MS, 12.5],
    ['cpu_usage_system{cpu="cpu0",host="web-1"}', MS, 3.25],
    ['mem_used{host="web-1"}', MS, 1024],
    ['mem_free{host="web-1"}', MS, 99],
  ]);
});

test('influx-line: escapes in measurement, tag keys and values, field keys; quotes and spaces inside string fields', () => {
  const { decoder, samples } = decode(`my\\ meas\\,x,tag\\ key=a\\,b\\=c\\ d,path=C:\\dir f\\=1=1,note="say \\"hi\\", then go",f2=2 ${NS}`);
  assert.deepEqual(samples, [
    ['my_meas_x_f_1{path="C:\\\\dir",tag_key="a,b=c d"}', MS, 1],
    ['my_meas_x_f2{path="C:\\\\dir",tag_key="a,b=c d"}', MS, 2],
  ]);
  assert.equal(decoder.skipped.string_field, 1);
});

test('influx-line: integer, unsigned, float forms and booleans', () => {
  const { samples } = decode(`m a=-3i,b=18446744073709551615u,c=1e3,d=-0.5,e=.5,f=t,g=F,h=true,i=False,j=TRUE,k=1 ${NS}`);
  assert.deepEqual(
    samples.map(([series, , v]) => [series, v]),
    [
      ['m_a', -3],
      ['m_b', 18446744073709551615],
      ['m_c', 1000],
      ['m_d', -0.5],
      ['m_e', 0.5],
      ['m_f', 1],
      ['m_g', 0],
      ['m_h', 1],
      ['m_i', 0],
      ['m_j', 1],
      ['m_k', 1],
    ],
  );
});

test('influx-line: a line without timestamp takes the decoder clock, read once per record', () => {
  let reads = 0;
  const now = () => {
    reads++;
    return 1_768_000_000_000 + reads;
  };
  const { samples } = decode(`a x=1\nb y=2 ${NS}\nc z=3\n`, now);
  assert.deepEqual(samples, [
    ['a_x', 1_768_000_000_001, 1],
    ['b_y', MS, 2],
    ['c_z', 1_768_000_000_001, 3],
  ]);
  assert.equal(reads, 1);
});

test('influx-line: blank lines, comments and CRLF line ends are fine; the prometheus measurement is named by its field', () => {
  const { samples } = decode(`# a comment\r\n\r\nprometheus,job=api http_requests_total=5 ${NS}\r\n\n`);
  assert.deepEqual(samples, [['http_requests_total{job="api"}', MS, 5]]);
});

test('influx-line: a float too large for a double is skipped and counted; the rest of the line is kept', () => {
  const { decoder, samples } = decode(`m a=1e400,b=2 ${NS}`);
  assert.deepEqual(samples, [['m_b', MS, 2]]);
  assert.equal(decoder.skipped.non_finite_value, 1);
});

test('influx-line: the same series in another tag order gets the same id', () => {
  const { samples } = decode(`m,b=2,a=1 f=1 ${NS}\nm,a=1,b=2 f=2 ${NS}`);
  assert.equal(samples[0]![0], samples[1]![0]);
  assert.equal(samples[0]![0], 'm_f{a="1",b="2"}');
});

const BAD: [string, string | Uint8Array, DecodeReason][] = [
  ['empty value', '', 'empty_value'],
  ['invalid UTF-8', new Uint8Array([0x6d, 0x20, 0x66, 0x3d, 0xff]), 'bad_shape'],
  ['only comments', '# nothing\n\n', 'bad_shape'],
  ['no fields', 'cpu,host=a', 'bad_shape'],
  ['no fields, with timestamp', `cpu ${NS}`, 'bad_shape'],
  ['empty field value', `cpu f= ${NS}`, 'bad_shape'],
  ['a word as a field value', `cpu f=abc ${NS}`, 'bad_shape'],
  ['NaN as a field value', `cpu f=NaN ${NS}`, 'bad_shape'],
  ['a malformed number', `cpu f=1-2 ${NS}`, 'bad_shape'],
  ['an integer with a fraction', `cpu f=1.5i ${NS}`, 'bad_shape'],
  ['a negative unsigned', `cpu f=-1u ${NS}`, 'bad_shape'],
  ['an unterminated string', `cpu f="abc ${NS}`, 'bad_shape'],
  ['a trailing comma', `cpu f=1, ${NS}`, 'bad_shape'],
  ['a tag without value', `cpu,host f=1 ${NS}`, 'bad_shape'],
  ['a tag with an empty value', `cpu,host= f=1 ${NS}`, 'bad_shape'],
  ['a timestamp that is not an integer', 'cpu f=1 soon', 'bad_shape'],
  ['a timestamp in seconds', 'cpu f=1 1768478400', 'bad_timestamp'],
  ['a timestamp in ms', 'cpu f=1 1768478400123', 'bad_timestamp'],
  ['a negative timestamp', 'cpu f=1 -5', 'bad_timestamp'],
  ['a timestamp past the year 3000', 'cpu f=1 33000000000000000000', 'bad_shape'],
  ['one good line and one bad', `cpu f=1 ${NS}\ncpu f= ${NS}`, 'bad_shape'],
];
for (const [what, input, reason] of BAD) {
  test(`influx-line: ${what} → DecodeError ${reason}`, () => {
    assert.throws(
      () => createDecoder('influx-line').decode(typeof input === 'string' ? utf8(input) : input, new CollectingSink()),
      (e: unknown) => e instanceof DecodeError && e.reason === reason,
    );
  });
}

test('influx-line: an error names the line and column', () => {
  assert.throws(
    () => createDecoder('influx-line').decode(utf8(`cpu f=1 ${NS}\ncpu f=abc ${NS}`), new CollectingSink()),
    /line 2, column 7: bad field value "abc"/,
  );
});

test('sniffFormat: line protocol', () => {
  assert.equal(sniffFormat(utf8(`cpu,host=a usage=1 ${NS}\n`)), 'influx-line');
  assert.equal(sniffFormat(utf8(`cpu usage=1`)), 'influx-line');
});
