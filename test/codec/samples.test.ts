import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, Decoder, encode } from '@msgpack/msgpack';
import { DecodeError, DECODE_REASONS, type DecodeReason } from '../../src/codec/errors.js';
import { decodeSamplesInto, encodeCompact, encodeCompactPoints, encodeVerbose, MAX_TS_MS, SampleBatch } from '../../src/codec/samples.js';
import { MsgpackWriter } from '../../src/codec/msgpack-writer.js';
import { parseSeriesIdBytes } from '../../src/codec/series-id.js';
import { mulberry32 } from '../support/random.js';

const KEY = Buffer.from('http_requests_total{code="200",job="api"}');
const TS = 1_700_000_000_123;

// ---- hand-built msgpack, one encoding width at a time -------------------------------------------

type Width = 'posfix' | 'negfix' | 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';
const WIDTHS: readonly Width[] = ['posfix', 'negfix', 'u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64', 'f32', 'f64'];

/** `n` in exactly the given msgpack encoding (caller keeps `n` in range for it). */
function num(width: Width, n: number): number[] {
  const dv = new DataView(new ArrayBuffer(9));
  const take = (tag: number, len: number) => [tag, ...new Uint8Array(dv.buffer, 0, len)];
  const split = () => {
    const hi = Math.floor(n / 2 ** 32);
    return [hi, n - hi * 2 ** 32] as const;
  };
  switch (width) {
    case 'posfix':
      return [n];
    case 'negfix':
      return [n + 256];
    case 'u8':
      return [0xcc, n];
    case 'u16':
      dv.setUint16(0, n);
      return take(0xcd, 2);
    case 'u32':
      dv.setUint32(0, n);
      return take(0xce, 4);
    case 'u64': {
      const [hi, lo] = split();
      dv.setUint32(0, hi);
      dv.setUint32(4, lo);
      return take(0xcf, 8);
    }
    case 'i8':
      dv.setInt8(0, n);
      return take(0xd0, 1);
    case 'i16':
      dv.setInt16(0, n);
      return take(0xd1, 2);
    case 'i32':
      dv.setInt32(0, n);
      return take(0xd2, 4);
    case 'i64': {
      const [hi, lo] = split();
      dv.setInt32(0, hi);
      dv.setUint32(4, lo);
      return take(0xd3, 8);
    }
    case 'f32':
      dv.setFloat32(0, n);
      return take(0xca, 4);
    case 'f64':
      dv.setFloat64(0, n);
      return take(0xcb, 8);
  }
}

function arr(n: number, kind: 'fix' | 'a16' | 'a32' = 'fix'): number[] {
  if (kind === 'fix') return [0x90 | n];
  if (kind === 'a16') return [0xdc, n >> 8, n & 0xff];
  return [0xdd, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

const bytes = (...parts: number[][]) => Uint8Array.from(parts.flat());

/** A valid timestamp and a value for each width. */
const TS_IN: Record<Width, number | null> = {
  posfix: 100,
  negfix: null,
  u8: 200,
  u16: 60_000,
  u32: 4_000_000_000,
  u64: TS,
  i8: 100,
  i16: 30_000,
  i32: 2_000_000_000,
  i64: TS,
  f32: Math.fround(TS),
  f64: TS + 0.5,
};
const VALUE_IN: Record<Width, number> = {
  posfix: 127,
  negfix: -32,
  u8: 255,
  u16: 65_535,
  u32: 4_294_967_295,
  u64: 2 ** 53 - 1,
  i8: -128,
  i16: -32_768,
  i32: -2_147_483_648,
  i64: -(2 ** 53) + 1,
  f32: Math.fround(-1.5e-7),
  f64: -0,
};

function decoded(key: Uint8Array | null, value: Uint8Array, out = new SampleBatch()): Array<[number, number]> {
  decodeSamplesInto(key, value, out);
  const points: Array<[number, number]> = [];
  for (let i = 0; i < out.count; i++) points.push([out.ts[i]!, out.values[i]!]);
  return points;
}

function rejects(key: Uint8Array | null, value: Uint8Array, reason: DecodeReason, message?: RegExp): void {
  const out = new SampleBatch();
  decodeSamplesInto(KEY, encodeCompact(TS, 1), out); // leave state behind to see it cleared
  assert.throws(
    () => decodeSamplesInto(key, value, out),
    (e: unknown) => {
      assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
      assert.equal(e.reason, reason, e.message);
      if (message) assert.match(e.message, message);
      return true;
    },
  );
  assert.equal(out.count, 0);
  assert.equal(out.derivedKey, null);
}

// ---- compact ------------------------------------------------------------------------------------

test('compact [ts, value]: every integer and float width for ts and value', () => {
  for (const tw of WIDTHS) {
    const ts = TS_IN[tw];
    if (ts === null) continue;
    for (const vw of WIDTHS) {
      const v = VALUE_IN[vw];
      const value = bytes(arr(2), num(tw, ts), num(vw, v));
      assert.deepEqual(decoded(KEY, value), [[ts, v]], `ts ${tw}, value ${vw}`);
      assert.deepEqual(decode(value), [ts, v], `@msgpack/msgpack agrees for ts ${tw}, value ${vw}`);
    }
  }
});

test('compact: 64-bit integers beyond 2^53 read like @msgpack/msgpack does', () => {
  for (const [w, n] of [
    ['u64', 2 ** 64 - 2 ** 11],
    ['i64', -(2 ** 63)],
    ['u64', 2 ** 53 + 2],
  ] as const) {
    const value = bytes(arr(2), num('u64', TS), num(w, n));
    assert.deepEqual(decoded(KEY, value), [decode(value) as [number, number]]);
  }
});

test('compact multi-point, with fixarray, array16 and array32 headers', () => {
  const points: Array<[number, number]> = [];
  for (let i = 0; i < 40; i++) points.push([TS + i * 1000, i % 2 ? i * 1.25 : -i]);
  const body = points.flatMap(([t, v], i) => [...(i % 3 === 0 ? arr(2, 'a16') : arr(2)), ...num('u64', t), ...num('f64', v)]);
  for (const kind of ['a16', 'a32'] as const) {
    assert.deepEqual(decoded(KEY, bytes(arr(points.length, kind), body)), points);
  }
  const small = points.slice(0, 15);
  assert.deepEqual(decoded(KEY, encodeCompactPoints(small)), small);
  assert.deepEqual(decoded(KEY, bytes(arr(1), arr(2), num('u64', TS), num('posfix', 7))), [[TS, 7]]);
  // Two points look like [a, b] at the top level: told apart by the nested header.
  assert.deepEqual(
    decoded(
      KEY,
      encodeCompactPoints([
        [TS, 1],
        [TS + 1, 2],
      ]),
    ),
    [
      [TS, 1],
      [TS + 1, 2],
    ],
  );
});

test('SampleBatch grows by doubling and is reused', () => {
  const out = new SampleBatch(1);
  assert.equal(out.capacity, 1);
  const ts = Array.from({ length: 100 }, (_, i) => TS + i);
  const vs = ts.map((_, i) => i / 3);
  decodeSamplesInto(KEY, encodeCompactPoints(ts, vs), out);
  assert.equal(out.count, 100);
  assert.equal(out.capacity, 128);
  const tsArray = out.ts;
  decodeSamplesInto(KEY, encodeCompact(TS, 5), out);
  assert.equal(out.count, 1);
  assert.equal(out.ts, tsArray, 'no reallocation for a smaller record');
  assert.equal(out.values[0], 5);
});

test('a forged array32 header cannot make the batch allocate for it', () => {
  const value = bytes([0xdd, 0xff, 0xff, 0xff, 0xff], arr(2), num('u64', TS), num('f64', 1));
  const out = new SampleBatch(1);
  assert.throws(() => decodeSamplesInto(KEY, value, out), { reason: 'not_msgpack' });
  assert.ok(out.capacity <= 16);
});

test('values inside a larger ArrayBuffer (kafkajs slices of one fetch buffer) decode at their byteOffset', () => {
  const records: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    records.push(
      i % 5 === 0
        ? encodeCompactPoints([
            [TS + i, i],
            [TS + i + 1, -i],
          ])
        : encodeCompact(TS + i, i + 0.5),
    );
  }
  const total = records.reduce((n, r) => n + r.length + 3, 7);
  const fetchBuffer = new ArrayBuffer(total);
  const whole = new Uint8Array(fetchBuffer).fill(0xc1); // garbage between records
  let at = 7;
  const slices = records.map((r) => {
    whole.set(r, at);
    const slice = Buffer.from(fetchBuffer, at, r.length);
    at += r.length + 3;
    return slice;
  });
  const other = encodeCompact(TS, 42); // its own buffer: switches the cached view back and forth
  const out = new SampleBatch();
  for (let i = 0; i < slices.length; i++) {
    assert.deepEqual(decoded(KEY, slices[i]!, out), decoded(KEY, records[i]!, out));
    assert.deepEqual(decoded(KEY, other, out), [[TS, 42]]);
  }
  // Node's pooled Buffers: a shared 8 KiB ArrayBuffer, non-zero byteOffset.
  const pooled = Buffer.allocUnsafe(19);
  encodeCompact(TS, 3.25).copy(pooled);
  assert.deepEqual(decoded(KEY, pooled), [[TS, 3.25]]);
  // A subarray whose neighbours would be valid msgpack: the end of the view is respected.
  const padded = Buffer.concat([Buffer.from([0x92]), encodeCompact(TS, 1), Buffer.from([0x01, 0x02])]);
  assert.deepEqual(decoded(KEY, padded.subarray(1, padded.length - 2)), [[TS, 1]]);
  rejects(KEY, padded.subarray(1, padded.length - 3), 'not_msgpack');
});

// ---- verbose ------------------------------------------------------------------------------------

const SAMPLE = { name: 'http_requests_total', labels: { job: 'api', code: '200' }, ts: TS, value: 12.5 };

test('verbose msgpack and JSON: derivedKey is the canonical id; a matching key is accepted', () => {
  for (const format of ['msgpack', 'json'] as const) {
    const value = encodeVerbose(SAMPLE, format);
    const out = new SampleBatch();
    assert.deepEqual(decoded(null, value, out), [[TS, 12.5]]);
    assert.equal(out.derivedKey, KEY.toString());
    assert.deepEqual(decoded(KEY, value, out), [[TS, 12.5]]);
    assert.equal(out.derivedKey, KEY.toString());
    assert.deepEqual(decoded(new Uint8Array(0), value, out), [[TS, 12.5]], 'an empty key is no key');
  }
});

test('verbose: generic encoders, labels optional, extra fields ignored, JSON may start with whitespace', () => {
  const out = new SampleBatch();
  assert.deepEqual(decoded(null, encode({ value: 1, ts: TS, name: 'up', extra: [1, 2] }), out), [[TS, 1]]);
  assert.equal(out.derivedKey, 'up');
  assert.deepEqual(decoded(null, encode({ name: 'up', labels: null, ts: TS, value: 2 }), out), [[TS, 2]]);
  assert.deepEqual(decoded(null, Buffer.from(' \n{"name":"up","labels":{"a":"x\\"y"},"ts":1,"value":-3e300}'), out), [[1, -3e300]]);
  assert.equal(out.derivedKey, 'up{a="x\\"y"}');
  assert.deepEqual(decoded(null, encode({ name: 'up', labels: { a: '' }, ts: TS, value: 2 }), out), [[TS, 2]]);
  assert.equal(out.derivedKey, 'up');
});

// ---- every error reason ------------------------------------------------------------------------

const VERBOSE_REJECTS: Array<[string, unknown, DecodeReason, RegExp]> = [
  ['no name', { labels: {}, ts: TS, value: 1 }, 'missing_field', /no "name"/],
  ['no ts', { name: 'up', value: 1 }, 'missing_field', /no "ts"/],
  ['no value', { name: 'up', ts: TS }, 'missing_field', /no "value"/],
  ['name not a string', { name: 7, ts: TS, value: 1 }, 'bad_shape', /"name" must be a string/],
  ['labels an array', { name: 'up', labels: ['a'], ts: TS, value: 1 }, 'bad_shape', /"labels" must be a map/],
  ['label value a number', { name: 'up', labels: { a: 1 }, ts: TS, value: 1 }, 'bad_shape', /label "a" must be a string/],
  ['value a string', { name: 'up', ts: TS, value: '1' }, 'bad_shape', /"value" must be a number/],
  ['value null', { name: 'up', ts: TS, value: null }, 'bad_shape', /JSON has no NaN/],
  ['ts a string', { name: 'up', ts: '2024-01-01', value: 1 }, 'bad_timestamp', /"ts" must be a number/],
  ['ts in µs', { name: 'up', ts: TS * 1000, value: 1 }, 'bad_timestamp', /microseconds/],
  ['bad metric name', { name: 'http-requests', ts: TS, value: 1 }, 'bad_series', /metric name "http-requests"/],
  ['bad label name', { name: 'up', labels: { 'a.b': 'x' }, ts: TS, value: 1 }, 'bad_series', /label name "a.b"/],
];

test('verbose rejects, in msgpack and JSON', () => {
  for (const [what, body, reason, message] of VERBOSE_REJECTS) {
    rejects(null, encode(body), reason, message);
    rejects(null, Buffer.from(JSON.stringify(body)), reason, message);
    assert.ok(what);
  }
  rejects(null, encodeVerbose({ ...SAMPLE, value: NaN }, 'msgpack'), 'non_finite_value');
  rejects(null, encodeVerbose({ ...SAMPLE, value: -Infinity }, 'msgpack'), 'non_finite_value');
  rejects(null, encodeVerbose({ ...SAMPLE, ts: NaN }, 'msgpack'), 'bad_timestamp');
  // A "__proto__" key: @msgpack/msgpack refuses it; JSON.parse makes it an own property, which
  // the label-name rules then reject.
  const proto = new MsgpackWriter().mapHeader(4).str('name').str('up').str('ts').int(TS).str('value').float64(1);
  rejects(null, proto.str('__proto__').str('x').finish(), 'not_msgpack', /__proto__/);
  rejects(null, Buffer.from(`{"name":"up","ts":${TS},"value":1,"labels":{"__proto__":"x"}}`), 'bad_series', /reserves/);
});

test('verbose key_mismatch names both series', () => {
  rejects(
    Buffer.from('http_requests_total{job="api"}'),
    encodeVerbose(SAMPLE, 'json'),
    'key_mismatch',
    /body names series "http_requests_total\{code=\\"200\\",job=\\"api\\"}" but the key is "http_requests_total\{job=\\"api\\"}"/,
  );
  // Not canonical (unsorted) is a mismatch too: the key bytes are the identity.
  rejects(Buffer.from('http_requests_total{job="api",code="200"}'), encodeVerbose(SAMPLE, 'msgpack'), 'key_mismatch');
});

test('compact rejects', () => {
  const p = (ts: number[], v: number[]) => bytes(arr(2), ts, v);
  rejects(KEY, new Uint8Array(0), 'empty_value', /empty/);
  rejects(null, encodeCompact(TS, 1), 'missing_key', /without a key/);
  rejects(new Uint8Array(0), encodeCompact(TS, 1), 'missing_key');
  // not_msgpack: truncated anywhere, and the never-used byte 0xc1
  const full = encodeCompactPoints([
    [TS, 1],
    [TS + 1, 2],
  ]);
  for (let n = 1; n < full.length; n++) rejects(KEY, full.subarray(0, n), 'not_msgpack', /ends inside an item/);
  rejects(KEY, bytes([0xc1]), 'not_msgpack', /0xc1/);
  rejects(KEY, p(num('u64', TS), [0xc1]), 'not_msgpack', /0xc1 at 10/);
  rejects(KEY, Buffer.from('{"name": "up", '), 'not_json');
  rejects(KEY, bytes([0x7b, 0xff]), 'not_json', /UTF-8/);
  // bad_shape
  rejects(KEY, bytes(arr(0)), 'bad_shape', /got \[\]/);
  rejects(KEY, bytes(arr(3), num('u64', TS), num('f64', 1), num('f64', 2)), 'bad_shape', /array of 3/);
  rejects(KEY, bytes(arr(1), num('u64', TS)), 'bad_shape', /array of 1/);
  rejects(KEY, bytes([...encodeCompact(TS, 1), 0x00]), 'bad_shape', /1 trailing byte/);
  rejects(KEY, bytes([...encodeCompactPoints([[TS, 1]]), 0x00]), 'bad_shape', /trailing/);
  rejects(KEY, bytes([...encodeVerbose(SAMPLE, 'msgpack'), 0x00]), 'bad_shape', /trailing/);
  rejects(KEY, p(num('u64', TS), [0xa1, 0x31]), 'bad_shape', /expected a number at byte 10, got a string/);
  rejects(KEY, p([0xc0], num('f64', 1)), 'bad_shape', /got nil/);
  rejects(KEY, bytes(arr(2), arr(2), num('u64', TS), num('f64', 1), num('posfix', 5)), 'bad_shape', /point 1 must be a \[ts, value\]/);
  rejects(KEY, bytes(arr(1), arr(3), num('u64', TS), num('f64', 1), num('f64', 1)), 'bad_shape', /point 0/);
  rejects(KEY, bytes(num('u8', 200)), 'bad_shape', /must be a msgpack array .* got an integer/);
  rejects(KEY, encode('up'), 'bad_shape', /got a string/);
  rejects(null, encode(null), 'bad_shape', /got nil/);
  // bad_timestamp
  rejects(KEY, encodeCompact(0, 1), 'bad_timestamp', /got 0/);
  rejects(KEY, p(num('negfix', -1), num('f64', 1)), 'bad_timestamp', /got -1/);
  rejects(KEY, encodeCompact(MAX_TS_MS, 1), 'bad_timestamp', /year 3000/);
  rejects(KEY, encodeCompact(TS * 1e6, 1), 'bad_timestamp', /microseconds or nanoseconds/);
  rejects(KEY, p(num('f64', NaN), num('f64', 1)), 'bad_timestamp', /got NaN/);
  rejects(KEY, p(num('f32', Infinity), num('f64', 1)), 'bad_timestamp');
  rejects(
    KEY,
    encodeCompactPoints([
      [TS, 1],
      [-5, 2],
    ]),
    'bad_timestamp',
    /ts of point 1/,
  );
  // non_finite_value
  for (const v of [NaN, Infinity, -Infinity]) {
    rejects(KEY, encodeCompact(TS, v), 'non_finite_value', /value must be finite/);
    rejects(KEY, p(num('u64', TS), num('f32', v)), 'non_finite_value');
  }
  rejects(
    KEY,
    encodeCompactPoints([
      [TS, 1],
      [TS + 1, 2],
      [TS + 2, NaN],
    ]),
    'non_finite_value',
    /value of point 2/,
  );
});

test('every DecodeReason is produced somewhere', () => {
  // bad_key comes from parsing the key (once per series), not from decodeSamplesInto.
  assert.throws(() => parseSeriesIdBytes(Buffer.from('up{')), { reason: 'bad_key' });
  const seen = new Set<DecodeReason>(['bad_key']);
  const collect = (key: Uint8Array | null, value: Uint8Array) => {
    try {
      decodeSamplesInto(key, value, new SampleBatch());
    } catch (e) {
      seen.add((e as DecodeError).reason);
    }
  };
  collect(KEY, new Uint8Array(0));
  collect(KEY, bytes([0xc1]));
  collect(KEY, Buffer.from('{'));
  collect(KEY, bytes(arr(0)));
  collect(null, encode({ ts: TS }));
  collect(null, encode({ name: '1', ts: TS, value: 1 }));
  collect(KEY, encodeCompact(-1, 1));
  collect(KEY, encodeCompact(TS, NaN));
  collect(null, encodeCompact(TS, 1));
  collect(Buffer.from('x'), encodeVerbose(SAMPLE, 'json'));
  assert.deepEqual([...seen].sort(), [...DECODE_REASONS].sort());
});

// ---- the hand-rolled reader against @msgpack/msgpack ---------------------------------------------

/** A random number and a width that can hold it (sometimes NaN/±Infinity, sometimes out of range for ts). */
function randomNumber(rand: () => number): number[] {
  const w = WIDTHS[Math.floor(rand() * WIDTHS.length)]!;
  const r = rand();
  const int = (lo: number, hi: number) => lo + Math.floor(r * (hi - lo + 1));
  switch (w) {
    case 'posfix':
      return num(w, int(0, 127));
    case 'negfix':
      return num(w, int(-32, -1));
    case 'u8':
      return num(w, int(0, 255));
    case 'u16':
      return num(w, int(0, 65_535));
    case 'u32':
      return num(w, int(0, 2 ** 32 - 1));
    case 'u64':
      return num(w, rand() < 0.8 ? int(1e12, 2e12) : int(0, 2 ** 53));
    case 'i8':
      return num(w, int(-128, 127));
    case 'i16':
      return num(w, int(-32_768, 32_767));
    case 'i32':
      return num(w, int(-(2 ** 31), 2 ** 31 - 1));
    case 'i64':
      return num(w, rand() < 0.5 ? int(1e12, 2e12) : int(-(2 ** 53), 2 ** 53));
    case 'f32':
    case 'f64': {
      const special = [NaN, Infinity, -Infinity, -0, 0, 1, TS];
      const x = rand() < 0.05 ? special[Math.floor(rand() * special.length)]! : (r - 0.5) * 10 ** Math.floor(rand() * 30 - 10);
      return num(w, rand() < 0.3 ? TS + x : x);
    }
  }
}

function randomRecord(rand: () => number): Uint8Array {
  const point = () => [...randomNumber(rand), ...randomNumber(rand)];
  const headerKind = () => (rand() < 0.8 ? 'fix' : rand() < 0.5 ? 'a16' : 'a32') as 'fix' | 'a16' | 'a32';
  if (rand() < 0.5) return bytes(arr(2, headerKind()), point());
  const n = 1 + Math.floor(rand() * 14);
  const parts: number[][] = [arr(n, headerKind())];
  for (let i = 0; i < n; i++) parts.push(arr(2, headerKind()), point());
  return bytes(...parts);
}

// Test records are under 400 bytes, so no valid one holds an array of 4096: the limit only spares
// @msgpack/msgpack from allocating for forged headers (milliseconds each).
const REFERENCE = new Decoder({ maxArrayLength: 4096 });

/** What the record means by @msgpack/msgpack's reading and our rules; null = must be rejected. */
function reference(value: Uint8Array): Array<[number, number]> | null {
  let v: unknown;
  try {
    v = REFERENCE.decode(value);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length === 0) return null;
  const points = Array.isArray(v[0]) ? v : [v];
  const out: Array<[number, number]> = [];
  for (const p of points) {
    if (!Array.isArray(p) || p.length !== 2) return null;
    const [ts, x] = p as unknown[];
    if (typeof ts !== 'number' || typeof x !== 'number') return null;
    if (!(ts > 0 && ts < MAX_TS_MS) || !Number.isFinite(x)) return null;
    out.push([ts, x]);
  }
  return out;
}

function ours(value: Uint8Array, out: SampleBatch): Array<[number, number]> | null {
  try {
    return decoded(KEY, value, out);
  } catch (e) {
    assert.ok(e instanceof DecodeError);
    return null;
  }
}

test('hand-rolled reader agrees with @msgpack/msgpack on 20,000 random compact records', () => {
  const rand = mulberry32(0x5eed);
  const out = new SampleBatch(2);
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const value = randomRecord(rand);
    const expected = reference(value);
    const got = ours(value, out);
    assert.deepEqual(got, expected, `record ${i}: ${Buffer.from(value).toString('hex')}`);
    if (got !== null) accepted++;
  }
  assert.ok(accepted > 5_000, `enough valid records (${accepted})`);
});

test('hand-rolled reader agrees with @msgpack/msgpack on 20,000 mutated records', () => {
  const rand = mulberry32(42);
  const out = new SampleBatch(2);
  for (let i = 0; i < 20_000; i++) {
    const bytesOf = Array.from(randomRecord(rand));
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * bytesOf.length);
      const r = rand();
      if (r < 0.5) bytesOf[at] = Math.floor(rand() * 256);
      else if (r < 0.7) bytesOf.splice(at, 1);
      else if (r < 0.85) bytesOf.splice(at, 0, Math.floor(rand() * 256));
      else bytesOf.length = at;
    }
    if (bytesOf.length === 0) continue;
    const first = bytesOf[0]!;
    if (!((first & 0xf0) === 0x90 || first === 0xdc || first === 0xdd)) continue; // compact only
    const value = Uint8Array.from(bytesOf);
    assert.deepEqual(ours(value, out), reference(value), `mutation ${i}: ${Buffer.from(value).toString('hex')}`);
  }
});

// ---- encoders ----------------------------------------------------------------------------------

test('encoders: ts as the smallest integer, value always float64', () => {
  assert.deepEqual([...encodeCompact(100, 1)], [0x92, 100, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
  const big = encodeCompact(TS, 2);
  assert.equal(big.length, 19);
  assert.equal(big[1], 0xcf);
  assert.equal(big[10], 0xcb);
  assert.deepEqual(decode(encodeCompact(TS + 0.25, 1)), [TS + 0.25, 1], 'fractional ms survive');
  const pairs: Array<[number, number]> = [
    [TS, 1],
    [TS + 1, 2.5],
  ];
  assert.deepEqual(encodeCompactPoints(pairs), encodeCompactPoints([TS, TS + 1], [1, 2.5]));
  assert.deepEqual(decode(encodeCompactPoints(pairs)), pairs);
  assert.throws(() => encodeCompactPoints([]), RangeError);
  assert.throws(() => encodeCompactPoints([1, 2], [1]), RangeError);
  const verbose = encodeVerbose({ name: 'up', labels: { a: 'é' }, ts: TS, value: 3 }, 'msgpack');
  assert.equal(verbose[verbose.length - 9], 0xcb, 'value 3 written as float64');
  assert.deepEqual(decode(verbose), { name: 'up', labels: { a: 'é' }, ts: TS, value: 3 });
  assert.throws(() => encodeVerbose({ name: 'up', labels: {}, ts: TS, value: NaN }, 'json'), RangeError);
  assert.ok(Buffer.isBuffer(encodeCompact(TS, 1)), 'kafkajs wants Buffers');
});

test('encoders: long and non-ASCII strings get the right str header', () => {
  for (const s of ['', 'a'.repeat(31), 'a'.repeat(32), 'é'.repeat(20), '世'.repeat(90), 'x'.repeat(300), '😀'.repeat(20_000)]) {
    const value = encodeVerbose({ name: 'up', labels: { s }, ts: TS, value: 1 }, 'msgpack');
    assert.deepEqual(decode(value), { name: 'up', labels: { s }, ts: TS, value: 1 });
  }
});
