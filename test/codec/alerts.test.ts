import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '@msgpack/msgpack';
import { alertId, decodeAlert, encodeAlert, fnv1a64Hex, type AlertEvent } from '../../src/codec/alerts.js';
import { DecodeError } from '../../src/codec/errors.js';
import { deadLetterOf, DEAD_LETTER_HEADERS, MAX_ERROR_CHARS } from '../../src/codec/dead-letter.js';

/** The headers the envelope adds to a record that had none. */
function deadLetterHeaders(o: {
  reason: 'bad_timestamp' | 'bad_shape';
  message: string;
  topic: string;
  partition: number;
  offset: string | number;
  timestamp?: number;
}) {
  const record = { key: null, value: Buffer.from('x'), offset: String(o.offset) };
  return deadLetterOf(record, o.reason, o.message, { topic: o.topic, partition: o.partition }, o.timestamp ?? Date.now()).headers as Record<
    string,
    string
  >;
}

const SERIES = 'http_request_duration_seconds{job="api",route="/users"}';
const STARTS = 1_700_000_000_000;

function firing(): AlertEvent {
  return {
    id: alertId(SERIES, 'latency-spike', STARTS),
    status: 'firing',
    rule: 'latency-spike',
    severity: 'page',
    series: SERIES,
    name: 'http_request_duration_seconds',
    labels: { job: 'api', route: '/users', team: 'core' },
    ts: STARTS + 30_000,
    value: 2,
    mean: 0.25,
    std: 0.05,
    z: 35,
    window: 120,
    startsAt: STARTS,
    annotations: { summary: 'latency 2 is 35σ above 0.25' },
    reason: 'fired',
  };
}

test('FNV-1a 64 test vectors', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(fnv1a64Hex(enc('')), 'cbf29ce484222325');
  assert.equal(fnv1a64Hex(enc('a')), 'af63dc4c8601ec8c');
  assert.equal(fnv1a64Hex(enc('foobar')), '85944171f73967e8');
});

test('alertId is deterministic, 16 hex digits, and depends on series, rule and startsAt', () => {
  const id = alertId(SERIES, 'r', STARTS);
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(alertId(SERIES, 'r', STARTS), id);
  assert.notEqual(alertId(SERIES, 'r', STARTS + 1), id);
  assert.notEqual(alertId(SERIES, 'r2', STARTS), id);
  assert.notEqual(alertId(SERIES + ' ', 'r', STARTS), id);
  // The separator keeps field boundaries: ("ab", "c") and ("a", "bc") differ.
  assert.notEqual(alertId('ab', 'c', 1), alertId('a', 'bc', 1));
  // Pinned: changing the recipe would break deduplication downstream across an upgrade.
  assert.equal(
    alertId('up{job="a"}', 'r', 1_700_000_000_000),
    fnv1a64Hex(new TextEncoder().encode('up{job="a"}\u0000r\u00001700000000000')),
  );
});

test('round trip in both formats, firing and resolved', () => {
  const resolved: AlertEvent = { ...firing(), status: 'resolved', endsAt: STARTS + 600_000, reason: 'resolved' };
  const { reason: _dropped, ...noReason } = firing();
  for (const format of ['json', 'msgpack'] as const) {
    for (const e of [firing(), resolved, noReason]) {
      const bytes = encodeAlert(e, format);
      assert.ok(Buffer.isBuffer(bytes));
      assert.deepEqual(decodeAlert(bytes), e, `${format} ${e.status}`);
    }
  }
});

test('schema: key order, optional fields left out, float fields stay floats in msgpack', () => {
  const e = firing();
  const json = encodeAlert(e, 'json').toString();
  assert.deepEqual(Object.keys(JSON.parse(json)), [
    'id',
    'status',
    'rule',
    'severity',
    'series',
    'name',
    'labels',
    'ts',
    'value',
    'mean',
    'std',
    'z',
    'window',
    'startsAt',
    'annotations',
    'reason',
  ]);
  assert.ok(!json.includes('endsAt'));
  const msgpack = encodeAlert(e, 'msgpack');
  assert.deepEqual(Object.keys(decode(msgpack) as object), Object.keys(JSON.parse(json)));
  // "value" then float64 2.0 (0xcb 40 00 00 ...), not the integer 2.
  const at = msgpack.indexOf(Buffer.from([0xa5, ...Buffer.from('value')]));
  assert.equal(msgpack[at + 6], 0xcb);
  const resolved = encodeAlert({ ...e, status: 'resolved', endsAt: STARTS + 1 }, 'json').toString();
  assert.deepEqual(Object.keys(JSON.parse(resolved)).slice(13, 16), ['startsAt', 'endsAt', 'annotations']);
});

test('non-finite numbers: null in JSON, NaN when decoded; kept in msgpack', () => {
  const e = { ...firing(), z: Infinity, std: NaN };
  const fromJson = decodeAlert(encodeAlert(e, 'json'));
  assert.ok(Number.isNaN(fromJson.z) && Number.isNaN(fromJson.std));
  const fromMsgpack = decodeAlert(encodeAlert(e, 'msgpack'));
  assert.equal(fromMsgpack.z, Infinity);
  assert.ok(Number.isNaN(fromMsgpack.std));
});

test('decodeAlert rejects malformed events', () => {
  const bad = (bytes: Uint8Array, reason: string, message: RegExp) =>
    assert.throws(
      () => decodeAlert(bytes),
      (err: unknown) => err instanceof DecodeError && err.reason === reason && message.test(err.message),
    );
  const { id: _id, ...noId } = firing();
  bad(Buffer.from(JSON.stringify(noId)), 'missing_field', /no "id"/);
  bad(Buffer.from(JSON.stringify({ ...firing(), status: 'pending' })), 'bad_shape', /"status" must be one of firing, resolved/);
  bad(Buffer.from(JSON.stringify({ ...firing(), z: '3' })), 'bad_shape', /"z" must be a number/);
  bad(Buffer.from(JSON.stringify({ ...firing(), labels: { a: 1 } })), 'bad_shape', /"labels.a" must be a string/);
  bad(Buffer.from('{"id":'), 'not_json', /not valid JSON/);
  bad(Uint8Array.from([0xc1]), 'not_msgpack', /not valid msgpack/);
  bad(Buffer.from('[1]'), 'not_msgpack', /not valid msgpack/);
});

test('dead-letter headers', () => {
  const headers = deadLetterHeaders({
    reason: 'bad_timestamp',
    message: 'ts must be Unix ms',
    topic: 'metrics',
    partition: 3,
    offset: '123456789012',
    timestamp: 1_700_000_000_000.7,
  });
  assert.deepEqual(headers, {
    'sigmawatch-reason': 'bad_timestamp',
    'sigmawatch-error': 'ts must be Unix ms',
    'sigmawatch-source-topic': 'metrics',
    'sigmawatch-source-partition': '3',
    'sigmawatch-source-offset': '123456789012',
    'sigmawatch-failed-at': '1700000000000',
  });
  assert.deepEqual(Object.keys(headers), Object.values(DEAD_LETTER_HEADERS));
  const long = deadLetterHeaders({ reason: 'bad_shape', message: 'x'.repeat(5000), topic: 't', partition: 0, offset: 1 });
  assert.equal(long['sigmawatch-error']!.length, MAX_ERROR_CHARS);
  assert.match(long['sigmawatch-failed-at']!, /^\d{13}$/, 'defaults to the wall clock');
});

test('a dead-letter copy stays under the broker limit: big keys are cut, big headers dropped, and headers say so', () => {
  const record = {
    key: Buffer.alloc(130_000, 0x61),
    value: Buffer.alloc(918_400, 0x67),
    headers: { big: 'h'.repeat(40_000), small: 's' },
    offset: '5',
  };
  const d = deadLetterOf(record, 'not_msgpack', 'x', { topic: 't', partition: 1 }, 1);
  const size = (d.key?.length ?? 0) + (d.value?.length ?? 0) + Object.entries(d.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
  assert.ok(size < 1_000_000, `copy of ${size} bytes`);
  assert.equal(d.value?.length, 918_400, 'a value under 900 KiB is kept whole (the issue #9 repro: a 130 kB key made the copy too large)');
  assert.equal(d.headers['sigmawatch-key-truncated'], '130000');
  assert.equal(d.headers['sigmawatch-headers-dropped'], '2');
  assert.equal(d.headers.small, undefined, 'headers are copied whole or not at all');
  const plain = deadLetterOf(
    { ...record, key: Buffer.from('k'), value: Buffer.from('v'), headers: { small: 's' } },
    'not_msgpack',
    'x',
    { topic: 't', partition: 1 },
    1,
  );
  assert.equal(plain.headers.small, 's');
  assert.equal(plain.key?.toString(), 'k');
  assert.equal(plain.headers['sigmawatch-truncated'], undefined);
});
