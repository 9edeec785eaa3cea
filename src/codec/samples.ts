/**
 * Sample records on the metrics topic: the decoder on the hot path, and (in `sample-encoders.ts`,
 * re-exported here) the encoders for the load generator and tests. Formats: README.md, "Wire formats".
 *
 * Dispatch is on the first byte of the value (`FORMAT_BY_FIRST_BYTE`):
 * - msgpack array (0x90–0x9f, 0xdc, 0xdd) → compact: `[ts, value]` or `[[ts, value], ...]`,
 *   read by the hand-rolled reader below, straight from the bytes, with no allocation;
 * - msgpack map (0x80–0x8f, 0xde, 0xdf) → verbose, decoded with `@msgpack/msgpack`;
 * - `{` (0x7b) or JSON whitespace → verbose JSON. Those bytes are also msgpack positive fixints, but
 *   a bare integer is never a valid record, so the overlap costs nothing.
 * To add a format (the planned multi-series record, say): give it a tag, mark its first byte(s) in
 * `FORMAT_BY_FIRST_BYTE` (or split inside an existing tag by shape, as compact does for nested
 * arrays), and add a case to the switch in `decodeSamplesInto`.
 *
 * A record with any bad point is rejected whole: `out.count` stays 0 and the caller dead-letters
 * the record. Half-accepted records would make "what did the detector see?" much harder to answer.
 */

import { Decoder } from '@msgpack/msgpack';
import { DecodeError, type DecodeReason } from './errors.js';
import { formatSeriesId } from './series-id.js';

export { encodeCompact, encodeCompactPoints, encodeVerbose, type VerboseSample } from './sample-encoders.js';

/** Timestamps are Unix ms in (0, MAX_TS_MS): anything else is a unit mistake (µs, ns) or garbage. */
export const MAX_TS_MS = Date.UTC(3000, 0, 1); // 32503680000000

/**
 * The decoded points of one record, struct-of-arrays. Reused across records: `decodeSamplesInto`
 * overwrites it, growing the arrays by doubling when a record has more points than ever before.
 */
export class SampleBatch {
  /** Valid entries in `ts` and `values`; 0 after a failed decode. */
  count = 0;
  /** Unix ms. Entries at and past `count` are stale. */
  ts: Float64Array;
  values: Float64Array;
  /**
   * Set only for verbose records: the canonical series id derived from the body (equal to the key
   * when the record had one). Null for compact records, whose identity is the key bytes.
   */
  derivedKey: string | null = null;

  constructor(initialCapacity = 16) {
    const cap = Math.max(1, initialCapacity | 0);
    this.ts = new Float64Array(cap);
    this.values = new Float64Array(cap);
  }

  get capacity(): number {
    return this.ts.length;
  }

  /** Make room for `n` points (keeps the first `count`). */
  ensureCapacity(n: number): void {
    if (n <= this.ts.length) return;
    let cap = this.ts.length * 2;
    while (cap < n) cap *= 2;
    const ts = new Float64Array(cap);
    const values = new Float64Array(cap);
    ts.set(this.ts.subarray(0, this.count));
    values.set(this.values.subarray(0, this.count));
    this.ts = ts;
    this.values = values;
  }
}

const enum Format {
  Unknown = 0,
  Compact = 1,
  VerboseMsgpack = 2,
  VerboseJson = 3,
  Reserved = 4, // 0xc1: never used by msgpack
}

const FORMAT_BY_FIRST_BYTE = new Uint8Array(256);
for (let b = 0x90; b <= 0x9f; b++) FORMAT_BY_FIRST_BYTE[b] = Format.Compact;
FORMAT_BY_FIRST_BYTE[0xdc] = FORMAT_BY_FIRST_BYTE[0xdd] = Format.Compact;
for (let b = 0x80; b <= 0x8f; b++) FORMAT_BY_FIRST_BYTE[b] = Format.VerboseMsgpack;
FORMAT_BY_FIRST_BYTE[0xde] = FORMAT_BY_FIRST_BYTE[0xdf] = Format.VerboseMsgpack;
for (const b of [0x7b, 0x20, 0x09, 0x0a, 0x0d]) FORMAT_BY_FIRST_BYTE[b] = Format.VerboseJson; // { and JSON whitespace
FORMAT_BY_FIRST_BYTE[0xc1] = Format.Reserved;

/**
 * Decode one record's value into `out` (overwritten). `key` is the record key (null or empty =
 * none). Throws `DecodeError`; on a throw `out.count` is 0. Compact records allocate nothing.
 */
export function decodeSamplesInto(key: Uint8Array | null, value: Uint8Array, out: SampleBatch): void {
  out.count = 0;
  out.derivedKey = null;
  if (value.length === 0) throw new DecodeError('empty_value', 'empty record value (a tombstone is not a sample)');
  switch (FORMAT_BY_FIRST_BYTE[value[0]!]) {
    case Format.Compact:
      if (key === null || key.length === 0) {
        throw new DecodeError('missing_key', 'compact record without a key: a compact value names no series, put the series id in the key');
      }
      decodeCompact(value, out);
      return;
    case Format.VerboseMsgpack:
      decodeVerbose(decodeMsgpackMap(value), key, out, 'msgpack map');
      return;
    case Format.VerboseJson:
      decodeVerbose(parseJson(value), key, out, 'JSON object');
      return;
    case Format.Reserved:
      throw new DecodeError('not_msgpack', 'not msgpack: byte 0xc1 at 0 is never used by msgpack');
    default:
      throw new DecodeError(
        'bad_shape',
        `a record value must be a msgpack array (compact), a msgpack map or a JSON object (verbose), got ${describeByte(value[0]!)} at byte 0`,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Compact: the hand-rolled reader.
//
// It reads through one DataView per underlying ArrayBuffer, not one per record: kafkajs hands out
// record values as slices (non-zero byteOffset) of one fetch-response buffer, so consecutive
// records share the ArrayBuffer and the view is made once per fetch. All positions below are
// absolute offsets into that ArrayBuffer; `base` is the value's byteOffset (for messages).
// The cache holds at most one buffer alive (the last one seen).

let cachedBuffer: ArrayBufferLike | null = null;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
let bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
let pos = 0;
let end = 0;
let base = 0;

const TWO_32 = 4294967296;

function decodeCompact(value: Uint8Array, out: SampleBatch): void {
  const buffer = value.buffer;
  if (buffer !== cachedBuffer) {
    cachedBuffer = buffer;
    view = new DataView(buffer);
    bytes = new Uint8Array(buffer);
  }
  base = value.byteOffset;
  pos = base;
  end = base + value.length;

  const n = readArrayHeader(); // first byte is known to be an array header
  if (n === 0) throw shapeError('a compact record must be [ts, value] or [[ts, value], ...], got []', base);
  if (pos >= end) throw truncated();
  if (isArrayHeader(bytes[pos]!)) {
    decodePoints(n, out);
    return;
  }
  if (n !== 2) throw shapeError(`a compact point must be [ts, value], got an array of ${n}`, base);
  if (out.ts.length < 1) out.ensureCapacity(1);
  const tsOut = out.ts;
  const valuesOut = out.values;
  readNumberInto(tsOut, 0);
  readNumberInto(valuesOut, 0);
  if (pos !== end) throw trailing();
  const ts = tsOut[0]!;
  const v = valuesOut[0]!;
  if (!(ts > 0 && ts < MAX_TS_MS)) throw badTimestamp(ts, -1);
  if (v - v !== 0) throw nonFinite(v, -1); // NaN and ±Infinity give NaN
  out.count = 1;
}

/** `[[ts, value], ...]` after its header (`n` points); `pos` is at the first point. */
function decodePoints(n: number, out: SampleBatch): void {
  // A point takes at least 3 bytes (0x92 and two fixints): size the batch by what can really be
  // there, so a forged header cannot make us allocate gigabytes. Every write below is in bounds.
  const fit = Math.min(n, Math.floor((end - pos) / 3));
  if (out.ts.length < fit) out.ensureCapacity(fit);
  const tsOut = out.ts;
  const valuesOut = out.values;
  for (let i = 0; i < n; i++) {
    const at = pos;
    if (pos >= end) throw truncated();
    if (readArrayHeader() !== 2) throw shapeError(`point ${i} must be a [ts, value] array`, at);
    readNumberInto(tsOut, i);
    readNumberInto(valuesOut, i);
    const ts = tsOut[i]!;
    const v = valuesOut[i]!;
    if (!(ts > 0 && ts < MAX_TS_MS)) throw badTimestamp(ts, i);
    if (v - v !== 0) throw nonFinite(v, i);
  }
  if (pos !== end) throw trailing();
  out.count = n;
}

function isArrayHeader(b: number): boolean {
  return (b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd;
}

/** Length of the array whose header is at `pos`, or -1 (nothing consumed) if it is no array. */
function readArrayHeader(): number {
  const b = bytes[pos]!;
  if ((b & 0xf0) === 0x90) {
    pos += 1;
    return b & 0x0f;
  }
  if (b === 0xdc) {
    if (pos + 3 > end) throw truncated();
    const n = view.getUint16(pos + 1);
    pos += 3;
    return n;
  }
  if (b === 0xdd) {
    if (pos + 5 > end) throw truncated();
    const n = view.getUint32(pos + 1);
    pos += 5;
    return n;
  }
  return -1;
}

/**
 * Any msgpack number at `pos`, stored as a double in `dst[i]` (64-bit integers: hi·2³² + lo, as
 * @msgpack/msgpack reads them). It stores rather than returns: a double returned from a call the
 * optimiser does not inline is boxed in a fresh HeapNumber, one allocation per number; a store
 * into a Float64Array is not.
 */
function readNumberInto(dst: Float64Array, i: number): void {
  // Fast path, small enough for the optimiser to inline: what encodeCompact writes (float64
  // values, uint64 Unix-ms timestamps) and small integers. Everything else, and every error, in
  // readOtherNumberInto.
  const b = bytes[pos]!;
  if (b === 0xcb && pos + 9 <= end) {
    dst[i] = view.getFloat64(pos + 1);
    pos += 9;
  } else if (b === 0xcf && pos + 9 <= end) {
    dst[i] = view.getUint32(pos + 1) * TWO_32 + view.getUint32(pos + 5);
    pos += 9;
  } else if (b < 0x80 && pos < end) {
    dst[i] = b;
    pos += 1;
  } else {
    readOtherNumberInto(dst, i);
  }
}

function readOtherNumberInto(dst: Float64Array, i: number): void {
  if (pos >= end) throw truncated();
  const b = bytes[pos]!;
  if (b < 0x80) {
    dst[i] = b;
    pos += 1;
    return;
  }
  if (b >= 0xe0) {
    dst[i] = b - 0x100;
    pos += 1;
    return;
  }
  switch (b) {
    case 0xcb:
      if (pos + 9 > end) throw truncated();
      dst[i] = view.getFloat64(pos + 1);
      pos += 9;
      return;
    case 0xca:
      if (pos + 5 > end) throw truncated();
      dst[i] = view.getFloat32(pos + 1);
      pos += 5;
      return;
    case 0xcc:
      if (pos + 2 > end) throw truncated();
      dst[i] = bytes[pos + 1]!;
      pos += 2;
      return;
    case 0xcd:
      if (pos + 3 > end) throw truncated();
      dst[i] = view.getUint16(pos + 1);
      pos += 3;
      return;
    case 0xce:
      if (pos + 5 > end) throw truncated();
      dst[i] = view.getUint32(pos + 1);
      pos += 5;
      return;
    case 0xcf:
      if (pos + 9 > end) throw truncated();
      dst[i] = view.getUint32(pos + 1) * TWO_32 + view.getUint32(pos + 5);
      pos += 9;
      return;
    case 0xd0:
      if (pos + 2 > end) throw truncated();
      dst[i] = view.getInt8(pos + 1);
      pos += 2;
      return;
    case 0xd1:
      if (pos + 3 > end) throw truncated();
      dst[i] = view.getInt16(pos + 1);
      pos += 3;
      return;
    case 0xd2:
      if (pos + 5 > end) throw truncated();
      dst[i] = view.getInt32(pos + 1);
      pos += 5;
      return;
    case 0xd3:
      if (pos + 9 > end) throw truncated();
      dst[i] = view.getInt32(pos + 1) * TWO_32 + view.getUint32(pos + 5);
      pos += 9;
      return;
    default:
      throw notANumber(b);
  }
}

// Errors are built off the hot path, in small functions the optimiser leaves alone.

function truncated(): DecodeError {
  return new DecodeError('not_msgpack', `not msgpack: the value ends inside an item at byte ${pos - base} of ${end - base}`);
}

function trailing(): DecodeError {
  return new DecodeError('bad_shape', `${end - pos} trailing byte(s) after the record at byte ${pos - base} of ${end - base}`);
}

function shapeError(what: string, at: number): DecodeError {
  return new DecodeError('bad_shape', `${what} (at byte ${at - base})`);
}

function notANumber(b: number): DecodeError {
  if (b === 0xc1) return new DecodeError('not_msgpack', `not msgpack: byte 0xc1 at ${pos - base} is never used by msgpack`);
  return new DecodeError('bad_shape', `expected a number at byte ${pos - base}, got ${describeByte(b)}`);
}

function badTimestamp(ts: number, point: number): DecodeError {
  const where = point < 0 ? '' : ` of point ${point}`;
  let hint = '';
  if (ts >= MAX_TS_MS && ts < MAX_TS_MS * 1e6) hint = ' (microseconds or nanoseconds? ts is Unix milliseconds)';
  return new DecodeError('bad_timestamp', `ts${where} must be Unix ms in (0, ${MAX_TS_MS}) (year 3000), got ${ts}${hint}`);
}

function nonFinite(v: number, point: number): DecodeError {
  const where = point < 0 ? '' : ` of point ${point}`;
  return new DecodeError('non_finite_value', `value${where} must be finite, got ${v}`);
}

/** A msgpack type name for error messages. */
export function describeByte(b: number): string {
  if (b < 0x80 || b >= 0xe0) return `an integer (0x${hex(b)})`;
  if (b < 0x90) return 'a map';
  if (b < 0xa0) return 'an array';
  if (b < 0xc0) return 'a string';
  if (b >= 0xcc && b <= 0xd3) return `an integer (0x${hex(b)})`;
  if (b === 0xca || b === 0xcb) return `a float (0x${hex(b)})`;
  const named: Record<number, string> = {
    0xc0: 'nil',
    0xc1: 'the unused byte 0xc1',
    0xc2: 'false',
    0xc3: 'true',
    0xc4: 'binary',
    0xc5: 'binary',
    0xc6: 'binary',
    0xc7: 'an ext',
    0xc8: 'an ext',
    0xc9: 'an ext',
    0xd4: 'an ext',
    0xd5: 'an ext',
    0xd6: 'an ext',
    0xd7: 'an ext',
    0xd8: 'an ext',
    0xd9: 'a string',
    0xda: 'a string',
    0xdb: 'a string',
    0xdc: 'an array',
    0xdd: 'an array',
    0xde: 'a map',
    0xdf: 'a map',
  };
  return named[b] ?? `0x${hex(b)}`;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------
// Verbose: `{name, labels, ts, value}` as a msgpack map or a JSON object. About 1 µs per record
// (the generic decode dominates); producers that care use compact records with a key.

// Limits: a forged header (array32 of 2^28) makes an unlimited decoder allocate for milliseconds per
// record; a verbose record has four fields and a label map, so these bounds are generous.
const MSGPACK = new Decoder({
  maxArrayLength: 4096,
  maxMapLength: 4096,
  maxStrLength: 1 << 20,
  maxBinLength: 1 << 20,
  maxExtLength: 1 << 20,
});
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const TEXT_ENCODER = new TextEncoder();

function decodeMsgpackMap(value: Uint8Array): unknown {
  try {
    return MSGPACK.decode(value);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    // @msgpack/msgpack reports trailing bytes as RangeError("Extra N of M byte(s) found at buffer[i]").
    if (cause instanceof RangeError && message.startsWith('Extra ')) {
      throw new DecodeError('bad_shape', `trailing bytes after the verbose record: ${message}`, { cause });
    }
    throw new DecodeError('not_msgpack', `not msgpack: ${message}`, { cause });
  }
}

function parseJson(value: Uint8Array): unknown {
  try {
    return JSON.parse(UTF8.decode(value));
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new DecodeError('not_json', `value starts like JSON but is not valid UTF-8 JSON: ${message}`, { cause });
  }
}

function decodeVerbose(body: unknown, key: Uint8Array | null, out: SampleBatch, form: string): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    fail('bad_shape', `a verbose record must be a ${form}, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`);
  }
  const record = body as Record<string, unknown>;
  const name = field(record, 'name', form);
  if (typeof name !== 'string') fail('bad_shape', `"name" must be a string, got ${typeName(name)}`);
  const labels = labelsOf(record['labels']);
  const ts = field(record, 'ts', form);
  if (typeof ts !== 'number') fail('bad_timestamp', `"ts" must be a number of Unix ms, got ${typeName(ts)}`);
  if (!(ts > 0 && ts < MAX_TS_MS)) throw badTimestamp(ts, -1);
  const value = field(record, 'value', form);
  if (typeof value !== 'number') {
    fail(
      'bad_shape',
      `"value" must be a number, got ${typeName(value)}${value === null ? ' (JSON has no NaN; send finite numbers only)' : ''}`,
    );
  }
  if (!Number.isFinite(value)) throw nonFinite(value, -1);
  const id = formatSeriesId(name, labels);
  if (key !== null && key.length > 0 && !keyEquals(key, id)) {
    fail('key_mismatch', `the body names series ${clip(id)} but the key is ${clip(Buffer.from(key).toString('utf8'))}`);
  }
  out.ensureCapacity(1);
  out.ts[0] = ts;
  out.values[0] = value;
  out.derivedKey = id;
  out.count = 1;
}

function field(record: Record<string, unknown>, name: string, form: string): unknown {
  const v = Object.hasOwn(record, name) ? record[name] : undefined;
  if (v === undefined) fail('missing_field', `verbose ${form} has no "${name}" field (needs name, ts, value; labels optional)`);
  return v;
}

function labelsOf(labels: unknown): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== 'object' || Array.isArray(labels) || labels instanceof Uint8Array) {
    fail('bad_shape', `"labels" must be a map of strings, got ${typeName(labels)}`);
  }
  const out = labels as Record<string, unknown>;
  for (const k of Object.keys(out)) {
    if (typeof out[k] !== 'string') fail('bad_shape', `label ${JSON.stringify(k)} must be a string, got ${typeName(out[k])}`);
  }
  return out as Record<string, string>;
}

/** Whether `key` is the UTF-8 of `id`. ASCII ids (the usual case) compare without encoding. */
function keyEquals(key: Uint8Array, id: string): boolean {
  if (key.length === id.length) {
    let i = 0;
    while (i < id.length) {
      const c = id.charCodeAt(i);
      if (c >= 0x80) break;
      if (key[i] !== c) return false;
      i++;
    }
    if (i === id.length) return true;
  }
  const encoded = TEXT_ENCODER.encode(id);
  if (encoded.length !== key.length) return false;
  for (let i = 0; i < encoded.length; i++) if (encoded[i] !== key[i]) return false;
  return true;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'binary';
  return typeof v;
}

function clip(s: string): string {
  return JSON.stringify(s.length > 200 ? s.slice(0, 200) + '…' : s);
}

function fail(reason: DecodeReason, message: string): never {
  throw new DecodeError(reason, message);
}
